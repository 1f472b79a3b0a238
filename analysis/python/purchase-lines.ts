/**
 * The lines of one purchase: an order's, a cart's, an invoice's or a sale's items. One shopper picks them by hand at
 * one checkout, so one purchase holds a handful of lines whatever the shop's size; a loop over them (stock updates at
 * payment, an order's detail or receipt page) makes a few queries, not an N+1 that grows with the app.
 *
 * Judged only for one purchase a view fetched itself (`get_object_or_404(Order, ...)`, `Cart.objects.get(...)`, a
 * DetailView's object): a model method (`self.items` in `Order.total`) runs for every order its callers loop over, and
 * a cart got by `get_or_create` or a loop's row is not known to be one purchase.
 */
import { singular, wordsOf } from '../few-by-name';

/** Head nouns of a purchase record (singular, lower case). */
const PURCHASE_HEADS = new Set(['order', 'cart', 'basket', 'bag', 'invoice', 'sale', 'receipt', 'purchase']);

/** True when the model's name says it is one purchase (`Order`, `ShoppingCart`, `SalesInvoice`; not `OrderItem`). */
export function purchaseModel(model: string): boolean {
  const words = wordsOf(model);
  return words.length > 0 && PURCHASE_HEADS.has(singular(words[words.length - 1]));
}
