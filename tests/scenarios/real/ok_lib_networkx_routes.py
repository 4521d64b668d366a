"""A delivery planner builds a networkx road graph for each request's service area (the
edges and their travel times differ per request), runs Dijkstra from the depot to every
stop and computes the connected components. The graph and its cached views are dropped
after each request: gc-heavy churn, correct code."""

import random

import networkx as nx

LIBRARIES = ("networkx",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap -0.4/+0.5/+0.0/+0.8 B, RSS +0/+0/+0/+0 B"
)


def setup():
    return {"rng": random.Random(31)}


def step(state):
    rng = state["rng"]
    graph = nx.Graph()
    nodes = 120
    for a in range(nodes):
        for _ in range(2):
            b = rng.randrange(nodes)
            if a != b:
                graph.add_edge(a, b, minutes=rng.uniform(1, 15))
    depot = 0
    times = nx.single_source_dijkstra_path_length(graph, depot, weight="minutes")
    stops = rng.sample(range(1, nodes), 8)
    route = nx.shortest_path(graph, depot, stops[0], weight="minutes") if stops[0] in times else []
    components = nx.number_connected_components(graph)
    reachable = [s for s in stops if s in times]
    return len(route), components, max((times[s] for s in reachable), default=0.0)
