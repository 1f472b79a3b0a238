/**
 * Local modules that define an ORM model whatever their path says: `./cars.scheme`, `../db/car` whose text builds
 * `mongoose.model('Car', carSchema)` or `sequelize.define('car', {...})`. orm.ts's MODEL_SPECIFIER knows a models
 * module by its path (`../models/User`, `./user.model`); a module named otherwise is read itself, once per text
 * version, so `require('./cars.scheme').find()` is a model's read like `require('./car.model').find()`.
 */
import type { RuleContext } from '../../rules/api';
import { FileVersionSlot } from '../cache';
import { resolveModule } from './import-graph';

/** `mongoose.model('Car', schema)`, `model<ICar>('Car', schema)`, `models.Car || model('Car', schema)`. */
const MONGOOSE_MODEL = /\bmodel\s*(<[^<>()]*>)?\s*\(\s*['"`][\w-]+['"`]\s*,/;
/** `sequelize.define('car', {...})`, `class Car extends Model {}` with `Car.init({...}, { sequelize })`. */
const SEQUELIZE_MODEL = /\.define\s*\(\s*['"`][\w-]+['"`]\s*,|\bextends\s+Model\b[\s\S]*\.init\s*\(/;

const definitions = new FileVersionSlot<boolean>('ts-model-modules', 500);

/** True when the local module `specifier` (imported by the analysed file) defines a Mongoose or Sequelize model. */
export function definesModel(ctx: RuleContext, specifier: string): boolean {
  const file = resolveModule(ctx.project, ctx.file.relPath, specifier);
  if (!file || file === ctx.file.relPath) return false;
  const text = ctx.project.readFile(file);
  if (text === undefined) return false;
  return definitions.get(file, text, () => (/mongoose/.test(text) && MONGOOSE_MODEL.test(text)) || (/sequelize/.test(text) && SEQUELIZE_MODEL.test(text)));
}
