// Checks that coopsync's subset schema (tests/sim/mobilizon/schema.graphql) is a true subset
// of Mobilizon's real schema.graphql: every type exists with the same kind, every field with
// the same type, every argument with the same type, every required argument of the real
// field is declared, every interface, enum value, union member and input field exists.
// Usage: node check_subset.js <subset.graphql> <real.graphql>; prints problems, exit 1 if any.
"use strict";
const fs = require("fs");
const path = require("path");
const g = require(path.join(__dirname, "../../sim/mobilizon/graphql_lib.js"));

function load(file) {
  return g.buildSchema(fs.readFileSync(file, "utf8"));
}

function kind(t) {
  if (g.isObjectType(t)) return "object";
  if (g.isInterfaceType(t)) return "interface";
  if (g.isUnionType(t)) return "union";
  if (g.isEnumType(t)) return "enum";
  if (g.isInputObjectType(t)) return "input";
  if (g.isScalarType(t)) return "scalar";
  return "?";
}

function compareArgs(where, subArgs, realArgs, problems) {
  const realByName = new Map(realArgs.map((a) => [a.name, a]));
  for (const a of subArgs) {
    const r = realByName.get(a.name);
    if (!r) problems.push(`${where}(${a.name}): argument not in the real schema`);
    else if (String(a.type) !== String(r.type))
      problems.push(`${where}(${a.name}): type ${a.type} but real is ${r.type}`);
  }
  const subNames = new Set(subArgs.map((a) => a.name));
  for (const r of realArgs) {
    if (g.isNonNullType(r.type) && r.defaultValue === undefined && !subNames.has(r.name))
      problems.push(`${where}: required real argument ${r.name}: ${r.type} missing from the subset`);
  }
}

function check(sub, real) {
  const problems = [];
  const roots = [
    ["query", sub.getQueryType(), real.getQueryType()],
    ["mutation", sub.getMutationType(), real.getMutationType()],
  ];
  for (const [op, s, r] of roots) {
    if (s && (!r || s.name !== r.name)) problems.push(`${op} root is ${s.name}, real is ${r && r.name}`);
  }
  for (const [name, t] of Object.entries(sub.getTypeMap())) {
    if (name.startsWith("__") || g.isSpecifiedScalarType(t)) continue;
    const r = real.getType(name);
    if (!r) { problems.push(`type ${name}: not in the real schema`); continue; }
    if (kind(t) !== kind(r)) { problems.push(`type ${name}: ${kind(t)} but real is ${kind(r)}`); continue; }
    if (g.isEnumType(t)) {
      const realValues = new Set(r.getValues().map((v) => v.name));
      for (const v of t.getValues())
        if (!realValues.has(v.name)) problems.push(`enum ${name}.${v.name}: not in the real schema`);
    } else if (g.isUnionType(t)) {
      const members = new Set(r.getTypes().map((m) => m.name));
      for (const m of t.getTypes())
        if (!members.has(m.name)) problems.push(`union ${name}: member ${m.name} not in the real schema`);
    } else if (g.isObjectType(t) || g.isInterfaceType(t)) {
      const realIfaces = new Set(r.getInterfaces().map((i) => i.name));
      for (const i of t.getInterfaces())
        if (!realIfaces.has(i.name)) problems.push(`type ${name}: does not implement ${i.name} in the real schema`);
      const realFields = r.getFields();
      for (const [fname, f] of Object.entries(t.getFields())) {
        const rf = realFields[fname];
        if (!rf) { problems.push(`${name}.${fname}: field not in the real schema`); continue; }
        if (String(f.type) !== String(rf.type))
          problems.push(`${name}.${fname}: type ${f.type} but real is ${rf.type}`);
        compareArgs(`${name}.${fname}`, f.args, rf.args, problems);
      }
    } else if (g.isInputObjectType(t)) {
      const realFields = r.getFields();
      for (const [fname, f] of Object.entries(t.getFields())) {
        const rf = realFields[fname];
        if (!rf) { problems.push(`input ${name}.${fname}: not in the real schema`); continue; }
        if (String(f.type) !== String(rf.type))
          problems.push(`input ${name}.${fname}: type ${f.type} but real is ${rf.type}`);
      }
      for (const [fname, rf] of Object.entries(realFields)) {
        if (g.isNonNullType(rf.type) && rf.defaultValue === undefined && !t.getFields()[fname])
          problems.push(`input ${name}: required real field ${fname} missing from the subset`);
      }
    }
  }
  return problems;
}

function main() {
  const [subFile, realFile] = process.argv.slice(2);
  const sub = load(subFile);
  const real = load(realFile);
  const problems = check(sub, real);
  for (const p of problems) console.log(p);
  const count = Object.keys(sub.getTypeMap()).filter((n) => !n.startsWith("__")).length;
  console.log(`checked ${count} types of ${subFile}: ${problems.length} problem(s)`);
  process.exit(problems.length ? 1 : 0);
}

if (require.main === module) main();
module.exports = { check, load };
