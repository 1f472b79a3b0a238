import type { QuerysetInfo } from '../../analysis/python/django-querysets';

/** "Order row" / "matching Order row" / "row", for messages. */
export function rowsOf(info: QuerysetInfo): string {
  const model = info.models.length === 1 ? `${info.models[0]} ` : '';
  const filtered = info.methods.some((m) => m === 'filter' || m === 'exclude');
  return `${filtered ? 'matching ' : ''}${model}row`;
}

