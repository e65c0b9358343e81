// Every migration, in order. Explicit imports keep them working under ts (tests, CLI) and in dist alike.
import { CreateTenancyPartiesContracts1764000000000 } from './1764000000000-create-tenancy-parties-contracts';
import { CreateOutcomesAndEvents1764000001000 } from './1764000001000-create-outcomes-and-events';

export const migrations = [CreateTenancyPartiesContracts1764000000000, CreateOutcomesAndEvents1764000001000];
