/** The local web playground: a Slack-like page over the Slack simulator, driving the real bot. */
export {
  type PageState,
  type Playground,
  type PlaygroundChannel,
  type PlaygroundOptions,
  type PlaygroundScenario,
  type PlaygroundUser,
  startPlayground,
} from './server.js';
