// swift-format-ignore-file
// Over 700 lines because it is generated: the schemas are data; the sources of truth are docs/schema/*.json.
// The JSON Schemas of docs/schema, embedded so that `flagc init` can write them into a new repository.
// Kept equal to those files by EditorSchemaTests; after editing a schema there, run
// `python3 Tests/Spec/generators/editor-schemas.py` to regenerate this file.

/// The JSON Schemas of flag files and target files, for editors (the yaml-language-server reads a file's
/// `# yaml-language-server: $schema=…` comment).
public enum EditorSchema {
    /// `schema/flags.schema.json`.
    public static let flags = ##"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "https://flagc.dev/schema/v1/flags.schema.json",
      "title": "flagc flags file (flags/*.yaml)",
      "description": "Flag and segment definitions for flagc, version 1 of the language. Reference: docs/language.md. The schema checks one file's shape; `flagc check` also checks references between files, variant names, weight sums, time order and regular expressions.",
      "type": [
        "object",
        "null"
      ],
      "properties": {
        "segments": {
          "description": "Named sets of contexts, used in conditions as `segment: NAME`. Keys are segment names.",
          "type": [
            "object",
            "null"
          ],
          "propertyNames": {
            "pattern": "^[A-Za-z][A-Za-z0-9_.-]{0,127}$"
          },
          "additionalProperties": {
            "$ref": "#/$defs/segment"
          }
        },
        "flags": {
          "description": "The flags, by key. Keys are flag keys: a letter, then letters, digits, '_', '.' or '-' (at most 128).",
          "type": [
            "object",
            "null"
          ],
          "propertyNames": {
            "pattern": "^[A-Za-z][A-Za-z0-9_.-]{0,127}$"
          },
          "additionalProperties": {
            "$ref": "#/$defs/flag"
          }
        },
        "context": {
          "description": "The attributes rules use, with their types: `flagc check` warns about attributes not declared here and operators of the wrong type; the generated Swift gets a typed context builder.",
          "type": "object",
          "additionalProperties": {
            "$ref": "#/$defs/contextAttribute"
          }
        }
      },
      "additionalProperties": false,
      "$defs": {
        "name": {
          "description": "A flag key or segment name: a letter, then letters, digits, '_', '.' or '-' (at most 128 characters).",
          "type": "string",
          "pattern": "^[A-Za-z][A-Za-z0-9_.-]{0,127}$"
        },
        "variantName": {
          "description": "The name of one of the flag's variants (a string; `on`/`off` are strings, `true`/`false` are not).",
          "type": "string"
        },
        "stringList": {
          "description": "A list of strings (integers are taken as written).",
          "type": "array",
          "items": {
            "type": [
              "string",
              "integer"
            ]
          }
        },
        "percentage": {
          "description": "A percentage from 0 to 100 with at most 2 decimals.",
          "type": "number",
          "minimum": 0,
          "maximum": 100,
          "multipleOf": 0.01
        },
        "time": {
          "description": "An RFC 3339 date-time with an offset (2026-12-01T09:00:00Z, 2026-12-01T10:00:00+01:00; fractional seconds kept), or a number of Unix seconds.",
          "anyOf": [
            {
              "type": "string",
              "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
            },
            {
              "type": "number"
            }
          ]
        },
        "segment": {
          "description": "A segment: a context is a member when its targetingKey is in `include`, or when `when` holds; `exclude` wins over both. Membership is false without `include` and `when`.",
          "type": [
            "object",
            "null"
          ],
          "properties": {
            "description": {
              "description": "What the segment is for (metadata).",
              "type": "string"
            },
            "include": {
              "description": "Targeting keys that are always members (exact match).",
              "$ref": "#/$defs/stringList"
            },
            "exclude": {
              "description": "Targeting keys that are never members; checked before `include` and `when`.",
              "$ref": "#/$defs/stringList"
            },
            "when": {
              "description": "Everyone else is a member when this condition holds.",
              "$ref": "#/$defs/condition"
            }
          },
          "additionalProperties": false
        },
        "flag": {
          "description": "A flag. Without `variants` it is boolean with variants on (true) and off (false), default off.",
          "type": [
            "object",
            "null"
          ],
          "properties": {
            "type": {
              "description": "The type of every variant value; inferred from the values when absent.",
              "enum": [
                "boolean",
                "string",
                "integer",
                "number",
                "object"
              ]
            },
            "variants": {
              "description": "Variant name → value, in serving order; every value has the flag's type. YAML mappings and lists make an `object` flag.",
              "type": "object",
              "minProperties": 1
            },
            "default": {
              "description": "The variant served when no rule matches and when the flag has no rules. Required with `variants`, except for a boolean flag with a variant named `off`.",
              "$ref": "#/$defs/variantName"
            },
            "offVariant": {
              "description": "The variant served when the flag is disabled or a prerequisite fails. Default: a boolean flag's variant whose value is false, else `default`.",
              "$ref": "#/$defs/variantName"
            },
            "enabled": {
              "description": "The kill switch: false serves `offVariant` to everyone (reason DISABLED). Default true.",
              "type": "boolean"
            },
            "rules": {
              "$ref": "#/$defs/rules"
            },
            "requires": {
              "description": "Prerequisites: each listed flag must serve the listed variant for this context, or this flag serves `offVariant` (reason PREREQUISITE_FAILED).",
              "type": "array",
              "items": {
                "$ref": "#/$defs/prerequisite"
              }
            },
            "salt": {
              "description": "The bucketing salt of splits and ramps; default the flag's key. Flags sharing a salt bucket every value the same way.",
              "type": "string"
            },
            "description": {
              "description": "What the flag does (metadata: manifest and generated code).",
              "type": "string"
            },
            "owner": {
              "description": "Who owns the flag (metadata).",
              "type": "string"
            },
            "tags": {
              "description": "Free-form tags (metadata).",
              "$ref": "#/$defs/stringList"
            },
            "compliance": {
              "description": "Compliance labels such as pci or gdpr (metadata).",
              "$ref": "#/$defs/stringList"
            },
            "expires": {
              "description": "The flag-debt date, YYYY-MM-DD: generated accessors are marked deprecated after it.",
              "type": "string",
              "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
              "format": "date"
            },
            "created": {
              "description": "When the flag was created, YYYY-MM-DD: its lifecycle's lifetime counts from here (default: the first commit adding it).",
              "type": "string",
              "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
              "format": "date"
            },
            "lifecycle": {
              "description": "The kind of flag, and so how long it may live before `flagc stale` reports it: release and experiment 40 days, operational 7; kill-switch, permission and permanent have no limit (permanent flags are never reported).",
              "enum": [
                "release",
                "experiment",
                "operational",
                "kill-switch",
                "permission",
                "permanent"
              ]
            },
            "environments": {
              "description": "Per-environment overrides, by the `environment` of a target.",
              "type": "object",
              "additionalProperties": {
                "$ref": "#/$defs/environmentOverride"
              }
            }
          },
          "additionalProperties": false,
          "allOf": [
            {
              "if": {
                "required": [
                  "type"
                ],
                "properties": {
                  "type": {
                    "const": "boolean"
                  }
                }
              },
              "then": {
                "properties": {
                  "variants": {
                    "additionalProperties": {
                      "type": "boolean"
                    }
                  }
                }
              }
            },
            {
              "if": {
                "required": [
                  "type"
                ],
                "properties": {
                  "type": {
                    "const": "string"
                  }
                }
              },
              "then": {
                "properties": {
                  "variants": {
                    "additionalProperties": {
                      "type": "string"
                    }
                  }
                }
              }
            },
            {
              "if": {
                "required": [
                  "type"
                ],
                "properties": {
                  "type": {
                    "const": "integer"
                  }
                }
              },
              "then": {
                "properties": {
                  "variants": {
                    "additionalProperties": {
                      "type": "integer",
                      "minimum": -9223372036854775808,
                      "maximum": 9223372036854775807
                    }
                  }
                }
              }
            },
            {
              "if": {
                "required": [
                  "type"
                ],
                "properties": {
                  "type": {
                    "const": "number"
                  }
                }
              },
              "then": {
                "properties": {
                  "variants": {
                    "additionalProperties": {
                      "type": "number"
                    }
                  }
                }
              }
            },
            {
              "if": {
                "required": [
                  "type"
                ],
                "properties": {
                  "type": {
                    "enum": [
                      "string",
                      "integer",
                      "number",
                      "object"
                    ]
                  }
                }
              },
              "then": {
                "required": [
                  "variants"
                ]
              }
            }
          ]
        },
        "environmentOverride": {
          "description": "Fields that replace the flag's own for targets of this environment.",
          "type": [
            "object",
            "null"
          ],
          "properties": {
            "enabled": {
              "description": "Overrides `enabled` (the kill switch).",
              "type": "boolean"
            },
            "default": {
              "description": "Overrides `default`.",
              "$ref": "#/$defs/variantName"
            },
            "offVariant": {
              "description": "Overrides `offVariant`.",
              "$ref": "#/$defs/variantName"
            },
            "rules": {
              "description": "Replaces the whole rule list (an empty list removes every rule).",
              "$ref": "#/$defs/rules"
            }
          },
          "additionalProperties": false
        },
        "rules": {
          "description": "Rules, tried in order; the first that matches decides.",
          "type": "array",
          "items": {
            "$ref": "#/$defs/rule"
          }
        },
        "rule": {
          "description": "A rule: when `when` holds (or there is none), serve a variant, a split or a ramp.",
          "type": "object",
          "properties": {
            "name": {
              "description": "Reported as the deciding rule; non-empty when given.",
              "type": "string",
              "minLength": 1
            },
            "when": {
              "description": "The condition; a rule without one matches every context.",
              "$ref": "#/$defs/condition"
            },
            "serve": {
              "$ref": "#/$defs/serve"
            }
          },
          "required": [
            "serve"
          ],
          "additionalProperties": false
        },
        "prerequisite": {
          "description": "A flag that must serve a variant.",
          "type": "object",
          "properties": {
            "flag": {
              "description": "The required flag's key.",
              "$ref": "#/$defs/name"
            },
            "variant": {
              "description": "The variant it must serve.",
              "$ref": "#/$defs/variantName"
            }
          },
          "required": [
            "flag",
            "variant"
          ],
          "additionalProperties": false
        },
        "serve": {
          "description": "What the rule serves: a variant name, a `split`, or a `progressive` ramp.",
          "anyOf": [
            {
              "description": "A variant name (reason TARGETING_MATCH).",
              "type": "string"
            },
            {
              "type": "object",
              "properties": {
                "split": {
                  "description": "Variant → percentage (at most 2 decimals, summing to exactly 100), in bucket order (reason SPLIT); with `hash`, variant → whole-number weight out of the weights' sum.",
                  "type": "object",
                  "minProperties": 1,
                  "additionalProperties": {
                    "type": "number"
                  }
                },
                "progressive": {
                  "$ref": "#/$defs/progressive"
                },
                "by": {
                  "description": "The bucketing attribute; default targetingKey. When it is missing, a list or an object, the rule does not match.",
                  "type": "string"
                },
                "hash": {
                  "description": "Bucket as another engine does (a `split` only): unleash (murmur3 of SALT:VALUE mod total), unleash-variants (the same with seed 86028157), flagd ((murmur3 of SALT VALUE × total) >> 32).",
                  "enum": [
                    "unleash",
                    "unleash-variants",
                    "flagd"
                  ]
                },
                "salt": {
                  "description": "The salt of a `split` with `hash`; default the flag's salt (its key).",
                  "type": "string"
                }
              },
              "additionalProperties": false,
              "oneOf": [
                {
                  "required": [
                    "split"
                  ]
                },
                {
                  "required": [
                    "progressive"
                  ]
                }
              ],
              "if": {
                "required": [
                  "hash"
                ]
              },
              "then": {
                "properties": {
                  "split": {
                    "additionalProperties": {
                      "type": "integer",
                      "minimum": 0,
                      "maximum": 2147483647
                    }
                  }
                }
              },
              "else": {
                "properties": {
                  "split": {
                    "additionalProperties": {
                      "$ref": "#/$defs/percentage"
                    }
                  }
                }
              }
            }
          ]
        },
        "progressive": {
          "description": "A scheduled ramp (reason SPLIT): before the first step `variant` gets 0%, from each step's `at` on it gets that step's percent; everyone else gets `others`.",
          "type": "object",
          "properties": {
            "variant": {
              "description": "The variant being ramped up.",
              "$ref": "#/$defs/variantName"
            },
            "others": {
              "description": "What everyone outside the ramp gets.",
              "$ref": "#/$defs/variantName"
            },
            "steps": {
              "description": "At least one step, each `at` strictly later than the previous.",
              "type": "array",
              "minItems": 1,
              "items": {
                "type": "object",
                "properties": {
                  "at": {
                    "description": "When the step starts.",
                    "$ref": "#/$defs/time"
                  },
                  "percent": {
                    "description": "The ramped variant's share from then on.",
                    "$ref": "#/$defs/percentage"
                  }
                },
                "required": [
                  "at",
                  "percent"
                ],
                "additionalProperties": false
              }
            }
          },
          "required": [
            "variant",
            "others",
            "steps"
          ],
          "additionalProperties": false
        },
        "condition": {
          "description": "A condition: every entry must hold. An entry is `ATTRIBUTE: PREDICATE` or one of all, any, not, segment.",
          "type": [
            "object",
            "null"
          ],
          "properties": {
            "all": {
              "description": "Every condition holds (an empty list holds).",
              "type": "array",
              "items": {
                "$ref": "#/$defs/condition"
              }
            },
            "any": {
              "description": "At least one condition holds (an empty list does not).",
              "type": "array",
              "items": {
                "$ref": "#/$defs/condition"
              }
            },
            "not": {
              "description": "The condition does not hold.",
              "$ref": "#/$defs/condition"
            },
            "segment": {
              "description": "The context is a member of this segment.",
              "$ref": "#/$defs/name"
            }
          },
          "additionalProperties": {
            "$ref": "#/$defs/predicate"
          }
        },
        "predicate": {
          "description": "A scalar (eq), a list (in), or a mapping of operators that must all hold.",
          "anyOf": [
            {
              "description": "Equal to this value (eq).",
              "type": [
                "string",
                "number",
                "boolean"
              ]
            },
            {
              "description": "Equal to one of these values (in).",
              "type": "array",
              "items": {
                "type": [
                  "string",
                  "number",
                  "boolean"
                ]
              }
            },
            {
              "$ref": "#/$defs/operators"
            }
          ]
        },
        "operators": {
          "description": "Operators on one attribute; all must hold. A missing attribute makes every operator false except ne, notIn, notContains and exists: false.",
          "type": "object",
          "minProperties": 1,
          "properties": {
            "eq": {
              "description": "Equal: strings as strings, numbers (and numeric strings) as numbers, booleans as booleans; on a list attribute, any element.",
              "type": [
                "string",
                "number",
                "boolean"
              ]
            },
            "ne": {
              "description": "Not equal (true when the attribute is missing).",
              "type": [
                "string",
                "number",
                "boolean"
              ]
            },
            "in": {
              "description": "Equal to one of the values; on a list attribute, any element.",
              "type": "array",
              "items": {
                "type": [
                  "string",
                  "number",
                  "boolean"
                ]
              }
            },
            "notIn": {
              "description": "Equal to none of the values (true when the attribute is missing).",
              "type": "array",
              "items": {
                "type": [
                  "string",
                  "number",
                  "boolean"
                ]
              }
            },
            "contains": {
              "description": "Substring of a string attribute; element of a list attribute.",
              "type": "string"
            },
            "notContains": {
              "description": "Not `contains` (true when the attribute is missing).",
              "type": "string"
            },
            "startsWith": {
              "description": "A string attribute starts with this text.",
              "type": "string"
            },
            "endsWith": {
              "description": "A string attribute ends with this text.",
              "type": "string"
            },
            "matches": {
              "description": "An RE2 regular expression, searched anywhere in a string attribute (anchor with ^…$); backreferences and lookaround are errors.",
              "type": "string"
            },
            "gt": {
              "description": "Greater than (numbers and numeric strings).",
              "type": "number"
            },
            "gte": {
              "description": "Greater than or equal (numbers and numeric strings).",
              "type": "number"
            },
            "lt": {
              "description": "Less than (numbers and numeric strings).",
              "type": "number"
            },
            "lte": {
              "description": "Less than or equal (numbers and numeric strings).",
              "type": "number"
            },
            "semverEq": {
              "description": "Same Semantic Versioning 2.0.0 precedence.",
              "type": "string",
              "pattern": "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-((0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*))?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$"
            },
            "semverGt": {
              "description": "Higher Semantic Versioning 2.0.0 precedence.",
              "type": "string",
              "pattern": "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-((0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*))?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$"
            },
            "semverGte": {
              "description": "Same or higher Semantic Versioning 2.0.0 precedence.",
              "type": "string",
              "pattern": "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-((0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*))?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$"
            },
            "semverLt": {
              "description": "Lower Semantic Versioning 2.0.0 precedence (pre-releases before their release).",
              "type": "string",
              "pattern": "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-((0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*))?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$"
            },
            "semverLte": {
              "description": "Same or lower Semantic Versioning 2.0.0 precedence.",
              "type": "string",
              "pattern": "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-((0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*))?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$"
            },
            "before": {
              "description": "Strictly before this instant (RFC 3339 strings, numbers and numeric strings as Unix seconds).",
              "$ref": "#/$defs/time"
            },
            "after": {
              "description": "Strictly after this instant (RFC 3339 strings, numbers and numeric strings as Unix seconds).",
              "$ref": "#/$defs/time"
            },
            "inCidr": {
              "description": "An IPv4 or IPv6 address attribute in one of these CIDR ranges (IPv4-mapped IPv6 equals IPv4).",
              "anyOf": [
                {
                  "type": "string",
                  "pattern": "^[0-9A-Fa-f:.]+(/(0|[1-9][0-9]{0,2}))?$"
                },
                {
                  "type": "array",
                  "items": {
                    "type": "string",
                    "pattern": "^[0-9A-Fa-f:.]+(/(0|[1-9][0-9]{0,2}))?$"
                  }
                }
              ]
            },
            "exists": {
              "description": "true: the attribute is present and not null; false: it is missing or null.",
              "type": "boolean"
            },
            "rollout": {
              "description": "The attribute's bucket is among the first `percent` % under `hash` (default flagc) and `salt`; false when missing, a list or an object.",
              "type": "object",
              "properties": {
                "percent": {
                  "$ref": "#/$defs/percentage"
                },
                "hash": {
                  "enum": [
                    "flagc",
                    "unleash",
                    "unleash-variants",
                    "flagd"
                  ]
                },
                "salt": {
                  "type": "string"
                }
              },
              "required": [
                "percent",
                "salt"
              ],
              "additionalProperties": false
            },
            "ignoreCase": {
              "description": "Compare text in Unicode simple lowercase (eq, ne, in, notIn, contains, notContains, startsWith, endsWith; RE2 case folding for matches).",
              "type": "boolean"
            }
          },
          "additionalProperties": false,
          "if": {
            "required": [
              "ignoreCase"
            ]
          },
          "then": {
            "minProperties": 2
          }
        },
        "contextAttribute": {
          "oneOf": [
            {
              "$ref": "#/$defs/contextType"
            },
            {
              "type": "object",
              "properties": {
                "type": {
                  "$ref": "#/$defs/contextType"
                },
                "description": {
                  "type": "string"
                }
              },
              "required": [
                "type"
              ],
              "additionalProperties": false
            }
          ]
        },
        "contextType": {
          "description": "The attribute's type.",
          "enum": [
            "string",
            "number",
            "boolean",
            "version",
            "timestamp",
            "ip",
            "list"
          ]
        }
      }
    }
    """##

    /// `schema/target.schema.json`.
    public static let target = ##"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "https://flagc.dev/schema/v1/target.schema.json",
      "title": "flagc target file (targets/NAME.yaml)",
      "description": "One bundle to build; the target's name is the file's name. Reference: docs/language.md#targets.",
      "type": "object",
      "properties": {
        "environment": {
          "description": "Selects each flag's `environments.<name>` overrides and is recorded in the bundle. Default: the target's name.",
          "type": "string",
          "pattern": "^[A-Za-z][A-Za-z0-9_.-]{0,127}$"
        },
        "flags": {
          "description": "Glob patterns of flag keys to include (`*` any run of characters, `?` one). Default [\"*\"].",
          "type": "array",
          "items": {
            "type": [
              "string",
              "integer"
            ]
          }
        },
        "exclude": {
          "description": "Glob patterns of flag keys to leave out, even when `flags` matches them. Default [].",
          "type": "array",
          "items": {
            "type": [
              "string",
              "integer"
            ]
          }
        },
        "recipients": {
          "description": "Recipient public key files (keys/NAME.recipient.pub), relative to the repository root; each one's secret key can decrypt the bundle. At least one, at most 64.",
          "type": "array",
          "minItems": 1,
          "items": {
            "type": "string",
            "minLength": 1
          }
        },
        "expiresAfter": {
          "description": "How long the bundle is valid after its issue time: NUMBER UNIT parts with units w, d, h, m, s, largest first (30d, 12h, 1d12h); more than 0 and at most 90d. Default 30d.",
          "type": "string",
          "pattern": "^(?=[0-9])([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"
        },
        "codegen": {
          "description": "Generated code options.",
          "type": [
            "object",
            "null"
          ],
          "properties": {
            "swift": {
              "description": "The generated Swift type.",
              "type": [
                "object",
                "null"
              ],
              "properties": {
                "typeName": {
                  "description": "The generated type's name, a Swift identifier that is not a keyword. Default Flags.",
                  "type": "string",
                  "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"
                },
                "accessLevel": {
                  "description": "Access level of the generated type and its members. Default public.",
                  "enum": [
                    "public",
                    "package",
                    "internal"
                  ]
                }
              },
              "additionalProperties": false
            }
          },
          "additionalProperties": false
        }
      },
      "required": [
        "recipients"
      ],
      "additionalProperties": false
    }
    """##
}
