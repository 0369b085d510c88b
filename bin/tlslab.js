#!/usr/bin/env node
import { register } from 'tsx/esm/api';

register();
const { runAsProcess } = await import('../lab/cli/main.ts');
await runAsProcess(process.argv.slice(2));
