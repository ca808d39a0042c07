// Jest transform for @actions/workflow-parser, which imports its JSON schema without an import attribute:
// Node's ESM refuses that, and Jest warns that it will. Adding `with { type: 'json' }` is what Node needs.
module.exports = {
  process(source) {
    return {
      code: source.replace(
        /(import\s+\w+\s+from\s+(['"])[^'"]+\.json\2)(\s*;?)/g,
        "$1 with { type: 'json' }$3"
      )
    }
  }
}
