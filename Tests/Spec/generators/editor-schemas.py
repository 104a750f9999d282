"""Writes Sources/FlagCompiler/Project/EditorSchema.swift from docs/schema/*.json (what `flagc init` writes).
Run from the repository root: python3 Tests/Spec/generators/editor-schemas.py"""
flags = open('docs/schema/flags.schema.json').read()
target = open('docs/schema/target.schema.json').read()
assert '"##' not in flags + target, "a schema holds \"## and needs a longer raw-string delimiter"


def literal(text):
    return '\n'.join(('    ' + line) if line else line for line in text.rstrip('\n').split('\n'))


out = f'''// swift-format-ignore-file
// Over 700 lines because it is generated: the schemas are data; the sources of truth are docs/schema/*.json.
// The JSON Schemas of docs/schema, embedded so that `flagc init` can write them into a new repository.
// Kept equal to those files by EditorSchemaTests; after editing a schema there, run
// `python3 Tests/Spec/generators/editor-schemas.py` to regenerate this file.

/// The JSON Schemas of flag files and target files, for editors (the yaml-language-server reads a file's
/// `# yaml-language-server: $schema=…` comment).
public enum EditorSchema {{
    /// `schema/flags.schema.json`.
    public static let flags = ##"""
{literal(flags)}
    """##

    /// `schema/target.schema.json`.
    public static let target = ##"""
{literal(target)}
    """##
}}
'''
open('Sources/FlagCompiler/Project/EditorSchema.swift', 'w').write(out)
