import { Router } from 'express';
import { PrismaClient } from '@prisma/client';

const prisma = new PrismaClient();
export const posts = Router();

posts.get('/posts', async (req, res) => {
  const rows = await prisma.post.findMany({ where: { published: true }, take: 50 });
  for (const post of rows) {
    // ruleid: n-plus-one
    const author = await prisma.user.findUnique({ where: { id: post.authorId } });
    Object.assign(post, { authorName: author?.name });
  }
  res.json(rows);
});

posts.get('/posts/with-comments', async (req, res) => {
  const rows = await prisma.post.findMany({ take: 20, orderBy: { createdAt: 'desc' } });
  const withComments = await Promise.all(
    rows.map(async (post) => ({
      ...post,
      // ruleid: n-plus-one
      comments: await prisma.comment.findMany({ where: { postId: post.id }, take: 5 }),
    })),
  );
  res.json(withComments);
});

posts.post('/posts/recount', async (req, res) => {
  const rows = await prisma.post.findMany({ where: { authorId: req.body.authorId }, take: 100 });
  rows.forEach(async (post) => {
    // ruleid: n-plus-one
    const likes = await prisma.like.count({ where: { postId: post.id } });
    console.log(post.id, likes);
  });
  res.sendStatus(202);
});

posts.get('/orders/customers', async (req, res) => {
  const orders = await prisma.order.findMany({ take: 100 });
  const names: string[] = [];
  for (let i = 0; i < orders.length; i++) {
    // ruleid: n-plus-one
    const customer = await prisma.customer.findFirst({ where: { id: orders[i].customerId } });
    names.push(customer?.name ?? '?');
  }
  res.json(names);
});

posts.get('/users/permissions', async (req, res) => {
  const users = await prisma.user.findMany({ take: 25 });
  const ids = users.map((u) => u.id);
  const result: Record<string, boolean> = {};
  for (const id of ids) {
    for (const action of ['read', 'write']) {
      // ruleid: n-plus-one
      const grant = await prisma.permission.findFirst({ where: { userId: id, action } });
      result[`${id}:${action}`] = grant !== null;
    }
  }
  res.json(result);
});

posts.get('/pages', async (req, res) => {
  const pages = [];
  for (const slug of ['home', 'about', 'pricing']) {
    // ok: n-plus-one
    pages.push(await prisma.page.findUnique({ where: { slug } }));
  }
  res.json(pages);
});

posts.get('/posts/batched', async (req, res) => {
  const rows = await prisma.post.findMany({ take: 50 });
  // ok: n-plus-one
  const authors = await prisma.user.findMany({ where: { id: { in: rows.map((p) => p.authorId) } } });
  const byId = new Map(authors.map((a) => [a.id, a]));
  for (const post of rows) Object.assign(post, { author: byId.get(post.authorId) });
  res.json(rows);
});

posts.get('/posts/included', async (req, res) => {
  // ok: n-plus-one
  const rows = await prisma.post.findMany({ take: 50, include: { author: true, _count: { select: { comments: true } } } });
  res.json(rows.map((p) => ({ ...p, url: `/posts/${p.slug}` })));
});

posts.post('/jobs/claim', async (req, res) => {
  for (let attempt = 0; attempt < 3; attempt++) {
    // ok: n-plus-one
    const job = await prisma.job.findFirst({ where: { status: 'queued' } });
    if (job) return res.json(job);
  }
  res.sendStatus(204);
});
