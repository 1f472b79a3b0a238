/**
 * Tables that hold a site's or a business's few curated things, told by their name: a reader knows that a clinic's
 * banners, a café's toppings or a school's session years are a handful of rows without counting them. Structural
 * signals (a user key, a creation stamp, writes behind an admin gate) do not separate these tables from tables that
 * grow with use; the name does. Shared by the Python and the TypeScript rules (model classes, Prisma accessors,
 * repositories, collections, SQL table names).
 *
 * A name counts by its head noun, its last word: `ServiceCategory` and `service_categories` are categories,
 * `CategoryProduct` is a product, `CategorySubscription` a subscription. A few heads are read with the word before
 * them (`PaymentMethod`, `SessionYear`): the head alone (a method, a year) says nothing.
 *
 * Kept only words that name few rows in every domain a reader can think of, and whose findings on the seen corpus
 * were mostly wrong; never words for what users or activity produce (orders, posts, comments, bookings, payments,
 * documents, images, events, logs, a marketplace's products, users, customers, patients, students). A table whose
 * rows any signed-in user can add still grows with its users: the callers check that (the writers of the table).
 */

/** Single head nouns (singular, lower case) of curated tables, by what they are. */
const FEW_HEADS = new Set([
  // A site's own content, arranged by its editors (not sponsors: an event site's sponsors multiply with its events).
  'banner', 'slide', 'slider', 'carousel', 'faq', 'testimonial', 'partner', 'sociallink',
  // Reference data: countries, money, languages, measures, kinds of things (not cities: a world's cities are many).
  'country', 'province', 'currency', 'language', 'locale', 'timezone', 'unit', 'genre', 'nationality', 'religion',
  // A business's own set-up: where it works, what it offers, how it sells.
  'category', 'subcategory', 'branch', 'clinic', 'department', 'warehouse', 'venue', 'theater', 'theatre', 'cinema',
  'menu', 'topping', 'ingredient', 'specialty', 'speciality', 'designation', 'amenity', 'pricing', 'platform',
  // A school's set-up (not courses: a course marketplace's courses grow with its teachers).
  'subject', 'semester',
  // The application's own vocabularies and settings.
  'role', 'permission', 'status', 'level', 'region', 'setting', 'config', 'configuration',
  // A clinic's or a pharmacy's staff (not `staff` itself: a head as often of a staff member's records).
  'doctor', 'pharmacist', 'clerk',
]);

/** Heads read with the word before them: `payment method` is a handful, a `method` alone is not known. */
const FEW_PAIRS = new Set([
  'payment method', 'payment type', 'payment option', 'shipping method', 'shipping option', 'delivery method', 'delivery option',
  'session year', 'academic year', 'school year',
  'subscription plan', 'pricing plan', 'membership plan', 'billing plan', 'tuition plan', 'subscription tier', 'pricing tier', 'membership tier',
  'auth method', 'authentication method', 'signin method', 'login method', 'auth provider', 'authentication provider', 'signin provider', 'login provider',
  'tax rate', 'site setting', 'restaurant table', 'service type', 'blood group', 'blood type',
]);

/** Words of a name that only say what kind of code holds the table, not what it holds. */
const CODE_SUFFIX = /(Model|Models|Repository|Repo|Collection|Schema|Entity|Table|Dao|Doc|Document)$/;

/** The words of a name, lower case: `ServiceCategory`, `service_categories`, `serviceCategory` -> service, categories. */
export function wordsOf(name: string): string[] {
  const bare = name.replace(/^.*\./, '').replace(CODE_SUFFIX, '') || name;
  return bare
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_\-]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** A plural's singular, as table names spell them (`categories`, `branches`, `statuses`, `menus`). */
export function singular(word: string): string {
  if (/ies$/.test(word) && word.length > 4) return word.slice(0, -3) + 'y';
  if (/(ch|sh|ss|x|us)es$/.test(word)) return word.slice(0, -2);
  if (/[^s]s$/.test(word) && !/(us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/** `social_links` reads as `sociallink`: two words the vocabulary spells as one. */
const JOINED = new Map([['social link', 'sociallink'], ['sub category', 'subcategory']]);

/**
 * True when the name says the table holds a site's or business's few curated things (a head noun of FEW_HEADS or a
 * pair of FEW_PAIRS): `Banner`, `ServiceCategory`, `payment_methods`, `prisma.sessionYear`. False for `Product`,
 * `CategoryProduct`, `CategorySubscription`, `Post`.
 */
export function fewByName(name: string): boolean {
  return fewTableWord(name) !== undefined;
}

/** The vocabulary word that makes `name` a curated table's (`payment method`, `category`), if any. */
export function fewTableWord(name: string): string | undefined {
  const words = wordsOf(name);
  if (words.length === 0) return undefined;
  const head = singular(words[words.length - 1]);
  const before = words.length > 1 ? singular(words[words.length - 2]) : '';
  const pair = before ? `${before} ${head}` : '';
  if (pair && FEW_PAIRS.has(pair)) return pair;
  const joined = pair ? JOINED.get(pair) : undefined;
  if (joined && FEW_HEADS.has(joined)) return joined;
  return FEW_HEADS.has(head) ? head : undefined;
}

/** The vocabulary, for the rules' documentation. */
export const FEW_TABLE_WORDS: readonly string[] = [...FEW_HEADS, ...FEW_PAIRS];

/** The rules' documentation of what counts as few by name, and how to override it. */
export const FEW_TABLES_DOC =
  'Tables named for a site\'s or business\'s few curated things are not reported as many rows: a name counts by its ' +
  'last word (`ServiceCategory` is a category, `CategoryProduct` a product, `CategorySubscription` a subscription), ' +
  `and the words are: ${[...FEW_HEADS].join(', ')}, and the pairs ${[...FEW_PAIRS].join(', ')} ` +
  '(table and class spellings alike: `payment_methods`, `PaymentMethod`, `prisma.paymentMethod`). Such a table is ' +
  'still judged like any other when request code any signed-in user reaches adds its rows (a create endpoint with no ' +
  'admin or staff gate), or tasks, signals or a generating seed add them: then it grows with its users whatever its ' +
  'name. Never by name: what users or their activity produce (orders, posts, messages, comments, reviews, bookings, ' +
  'payments, documents, files, images, events, logs, a marketplace\'s products, users, customers, patients, ' +
  'students). A project\'s other small tables can be listed in the `smallTables` setting.';
