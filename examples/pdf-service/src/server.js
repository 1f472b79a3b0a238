const express = require('express');
const invoices = require('./invoices');

const app = express();
app.use(invoices);

const port = Number(process.env.PORT || 3001);
app.listen(port, () => console.log(`shop-invoices listening on ${port}`));
