/** The deploy-budget rules (registered together): node-heap-limit, native-thread-env, memory-budget. */
import type { Rule } from './api';
import memoryBudget from './memory-budget/deploy';
import nativeThreadEnv from './native-thread-env/deploy';
import nodeHeapLimit from './node-heap-limit/deploy';

const budgetRules: readonly Rule[] = [nodeHeapLimit, nativeThreadEnv, memoryBudget];
export default budgetRules;
