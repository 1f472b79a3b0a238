/**
 * dataframe-full-load's text pre-filter. The regex (a pandas read, session_state, a concat or an append) is what a
 * keystroke answers per chunk of lines; `.append(` is in most Python modules, so a text read once (a batch scan)
 * must also name one of the modules the check looks for: it reports only in a module that imports pandas or modin
 * (reads, frames grown in a loop) or streamlit (session state), and an import statement spells the module's name.
 * Without this, a stdlib scan parsed thousands of modules for this rule alone.
 */
import type { TextTrigger } from '../api';

const TRIGGER_SOURCE = /read_(csv|table|excel|json|parquet|feather|sql)|session_state|\bconcat\(|\.append\(/.source;
const CHECKED_MODULES = /pandas|modin|streamlit/;

export const dataframeRegex = new RegExp(TRIGGER_SOURCE);
/** Still a RegExp (answered per chunk on keystrokes); a text read once must also name pandas, modin or streamlit. */
export const dataframeTrigger: TextTrigger = Object.assign(new RegExp(TRIGGER_SOURCE), {
  strictTest: (text: string) => CHECKED_MODULES.test(text) && dataframeRegex.test(text),
});
