'use strict';
// The Node.js fuzz seed: a short run that keeps some objects and drops others.
const kept = [];
for (let i = 0; i < 2000; i++) {
  const item = { id: i, text: 'request '.repeat(20) + i };
  if (i % 4 === 0) kept.push(item);
}
setTimeout(() => process.exit(kept.length > 0 ? 0 : 1), 50);
