/** The demo city: fictional departments, staff, citizens and enterprises on real division codes. */
export { buildDemoCity, DEMO_CITY, DEMO_PASSWORD, type DemoAccount } from './demo-city.js';
export { seedDemoCity } from './seed-demo.js';
export { startDemoExchange, describeDemoExchange, DEMO_NODE_DEPARTMENTS, DEMO_GRANTS, type DemoExchange, type RunningDemoNode } from './demo-exchange.js';
export { demoEnterprises, demoRecipients } from './demo-backends.js';
