aimport fs from 'fs';

/**
 * Reads a config file.
 */
function readConfig(path) {
  return JSON.parse(fs.readFileSync(path, 'utf8'));
}

// Adds two numbers.
const add = (a, b) => a + b;

export class Cache {
  constructor() {
    this.map = new Map();
  }

  // Looks a key up.
  get(key) {
    return this.map.get(key);
  }

  set(key, value) {
    this.map.set(key, value);
  }
}

export const DEFAULTS = {
  size: 10,
  ttl: 60,
};

module.exports.helper = function (x) {
  return x * 2;
};
