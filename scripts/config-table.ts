// Prints the README's configuration table from src/config.ts (`npm run docs:config`).
// test/unit/readme.test.ts checks that the README carries exactly this table.

import { configTableMarkdown } from '../src/config-doc.ts'

process.stdout.write(configTableMarkdown() + '\n')
