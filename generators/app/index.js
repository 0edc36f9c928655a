// Entry point for Yeoman's lookup (`yo copilot-django`). The generator is TypeScript (generator.ts), built into
// dist/ by `npm install`; no file here may be named index.ts, or the lookup would try to import TypeScript.
export { default } from '../../dist/generators/app/generator.js';
