const express = require('express');
const puppeteer = require('puppeteer');

const router = express.Router();
const SHOP_URL = process.env.SHOP_URL || 'http://localhost:8000';
const CHROME_ARGS = { args: ['--no-sandbox', '--disable-dev-shm-usage'] };

// Renders the shop's printable invoice page to a PDF.
router.get('/invoices/:number.pdf', async (req, res) => {
  const browser = await puppeteer.launch(CHROME_ARGS);
  const page = await browser.newPage();
  await page.goto(`${SHOP_URL}/invoices/${encodeURIComponent(req.params.number)}/print`, { waitUntil: 'networkidle0' });
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  await browser.close();
  res.type('application/pdf').send(pdf);
});

module.exports = router;
