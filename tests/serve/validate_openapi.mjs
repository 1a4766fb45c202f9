// validate_openapi.mjs DOC: validate an OpenAPI document with
// @seriousme/openapi-schema-validator (from $PG_NPM_DIR); print the version and
// exit 0 when valid, else print the errors and exit 1.
const dir = process.env.PG_NPM_DIR;
const { Validator } = await import(`${dir}/node_modules/@seriousme/openapi-schema-validator/index.js`);
const validator = new Validator();
const res = await validator.validate(process.argv[2]);
if (res.valid) {
  console.log(`valid OpenAPI ${validator.version}`);
} else {
  console.log(JSON.stringify(res.errors, null, 1));
  process.exit(1);
}
