// Reads a GraphML file with graphology-graphml and prints, as JSON, what a graphology user
// computes from it: counts, each attribute's JavaScript type, and per layer the distinct
// in/out neighbours of every node, reciprocity and PageRank (graphology-metrics).
// Usage: node graphology_figures.js FILE   (graphology, graphology-graphml, graphology-metrics on NODE_PATH)
'use strict';
const fs = require('fs');
const {Graph, MultiDirectedGraph, MultiUndirectedGraph} = require('graphology');
const graphml = require('graphology-graphml');
const pagerank = require('graphology-metrics/centrality/pagerank');

const graph = graphml.parse(Graph, fs.readFileSync(process.argv[2], 'utf8'));
const out = {order: graph.order, size: graph.size, type: graph.type, nodeAttrs: {}, edgeAttrs: {}, layers: {}, samples: {}};
const seen = (store, attrs) => {
  for (const [k, v] of Object.entries(attrs)) {
    (store[k] = store[k] || {})[typeof v] = true;
  }
};
graph.forEachNode((key, attrs) => seen(out.nodeAttrs, attrs));
graph.forEachEdge((e, attrs) => seen(out.edgeAttrs, attrs));
for (const key of process.argv.slice(3)) {  // node keys whose attributes are printed as text (Infinity survives)
  const a = graph.getNodeAttributes(key);
  out.samples[key] = Object.fromEntries(Object.entries(a).map(([k, v]) => [k, [typeof v, String(v)]]));
}
for (const layer of ['social', 'payment', 'transfer']) {
  // the layer's scope: users (and merchants for payment), every one of them, edges of the layer only
  const scope = layer === 'payment' ? ['user', 'merchant'] : ['user'];
  const directed = new MultiDirectedGraph();
  const undirected = new MultiUndirectedGraph();
  graph.forEachNode((key, a) => {
    if (scope.includes(a.type !== undefined ? a.type : a.node_type)) { directed.addNode(key); undirected.addNode(key); }
  });
  graph.forEachEdge((e, a, s, t) => {
    if (a.layer === layer) { directed.addEdge(s, t); undirected.addEdge(s, t); }
  });
  const inDeg = {}, outDeg = {};
  let arcs = 0, reciprocated = 0;
  directed.forEachNode(key => {
    const outs = new Set(directed.outNeighbors(key).filter(n => n !== key));
    const ins = new Set(directed.inNeighbors(key).filter(n => n !== key));
    outDeg[key] = outs.size;
    inDeg[key] = ins.size;
    arcs += outs.size;
    for (const n of outs) if (ins.has(n)) reciprocated += 1;
  });
  // graphmodel walks payment both ways (graphmodel.csr): its PageRank is on the undirected payment graph
  const pr = directed.size === 0 ? {} : pagerank(layer === 'payment' ? undirected : directed,
    {getEdgeWeight: null, tolerance: 1e-14, maxIterations: 100000});
  out.layers[layer] = {edges: directed.size, in: inDeg, out: outDeg, reciprocity: arcs ? reciprocated / arcs : null, pagerank: pr};
}
process.stdout.write(JSON.stringify(out));
