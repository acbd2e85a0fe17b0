/** Macro rendering: SQLMesh-compatible `@` macros, time variables, `@DEF`s and user macros. */
export { renderSql } from './render.js'
export { extractDefs } from './defs.js'
export { createMacroRegistry, emptyMacroRegistry, loadUserMacros } from './registry.js'
export { BUILTIN_MACROS, RESERVED_MACRO_NAMES, type BuiltinCall, type BuiltinMacro } from './builtins.js'
export { PLACEHOLDER_INTERVAL, TIME_VARIABLE_NAMES, timeVariable } from './time-variables.js'
export type { MacroContext, MacroDef, MacroRegistry, RenderOptions, RuntimeStage, UserMacro } from './types.js'
