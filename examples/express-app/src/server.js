const express = require('express');
const session = require('express-session');

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET || 'dev-only-secret', resave: false, saveUninitialized: true }));
app.use(express.json({ limit: '50mb' }));
app.use(express.urlencoded({ extended: true, limit: '50mb' }));

const events = [];

app.post('/events', (req, res) => {
  const batch = Array.isArray(req.body) ? req.body : [req.body];
  res.status(202).json({ accepted: batch.length });
});

app.get('/health', (req, res) => res.json({ ok: true, buffered: events.length }));

const port = Number(process.env.PORT || 3000);
app.listen(port, () => console.log(`shop-events listening on ${port}`));
