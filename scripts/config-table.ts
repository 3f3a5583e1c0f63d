// Prints the configuration table of docs/configuration.md from src/config.ts (`npm run docs:config`).
// test/unit/readme.test.ts checks that docs/configuration.md carries exactly this table.

import { configTableMarkdown } from '../src/config-doc.ts'

process.stdout.write(configTableMarkdown() + '\n')
