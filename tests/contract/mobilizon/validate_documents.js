// Validates GraphQL documents with graphql-js against one or more schemas.
// Usage: node validate_documents.js <documents.json> <schema.graphql>...
// documents.json: [{"name": "...", "text": "..."}]. Prints one line per problem and a
// summary; exit status 1 when any document is invalid against any schema.
"use strict";
const fs = require("fs");
const path = require("path");
const g = require(path.join(__dirname, "../../sim/mobilizon/graphql_lib.js"));

const [docsFile, ...schemaFiles] = process.argv.slice(2);
const docs = JSON.parse(fs.readFileSync(docsFile, "utf8"));
let problems = 0;
for (const file of schemaFiles) {
  const schema = g.buildSchema(fs.readFileSync(file, "utf8"));
  for (const d of docs) {
    let errors;
    try {
      const ast = g.parse(d.text);
      errors = g.validate(schema, ast);
      const ops = ast.definitions.filter((x) => x.kind === g.Kind.OPERATION_DEFINITION);
      if (ops.length !== 1 || !ops[0].name || ops[0].name.value !== d.name)
        errors = errors.concat([{ message: `expected one operation named ${d.name}` }]);
    } catch (e) {
      errors = [e];
    }
    for (const e of errors) {
      problems += 1;
      console.log(`${path.basename(file)}: ${d.name}: ${e.message}`);
    }
  }
}
console.log(`validated ${docs.length} documents against ${schemaFiles.length} schema(s): ${problems} problem(s)`);
process.exit(problems ? 1 : 0);
