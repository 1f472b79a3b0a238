const express = require('express');
const axios = require('axios');

const app = express();
// ruleid: large-request-body-limit
app.use(express.json({ limit: '50mb' }));

app.post('/identify', async (req, res) => {
  // ruleid: whole-file-read
  const bytes = Buffer.from(req.body.image, 'base64');
  console.log(`identify: ${bytes.length} bytes`);
  const result = await axios.post(`${process.env.RECOGNIZER_URL}/identify`, { image: req.body.image });
  res.json(result.data);
});

app.listen(process.env.PORT || 3000);
