/**
 * ajv-formats is CommonJS with `exports.default`; under NodeNext a default import yields the
 * module object, whose typed `.default` is the plugin (the package sets both at run time).
 */
import ajvFormats from 'ajv-formats';

export const addFormats = ajvFormats.default;
