// Entry point for Yeoman's lookup (`yo copilot-django:env`); the generator is TypeScript (generator.ts), built into
// dist/ by `npm install`. See generators/app/index.js.
export { default } from '../../dist/generators/env/generator.js';
