// GraphiQL for /graphql, with every asset served by this API (no CDN). A query can be
// handed over in the fragment, which never reaches the server: /graphql#query=...
const fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
const handed = new URLSearchParams(window.location.hash.slice(1)).get("query");
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultEditorToolsVisibility: true,
    ...(handed ? { query: handed } : {}),
  })
);
