namespace Pipelines.Numerics.Topology;

/// <summary>
/// Edge collapse of a filtered flag complex (Boissonnat–Pritam, "Edge collapse and persistence of flag complexes",
/// SoCG 2020; the backward shift/trim form of Glisse–Pritam, SoCG 2022; GUDHI's <c>collapse_edges</c> is the
/// reference): edges are visited by decreasing filtration value, and an edge uv that is dominated — some w ∉ {u, v}
/// adjacent to u and v with N[u] ∩ N[v] ⊆ N[w] (closed neighbourhoods) — in every graph G_s, t ≤ s &lt; t', is moved
/// from t to t' (removed when t' = ∞).
/// </summary>
/// <remarks>
/// Why diagrams are unchanged, in every degree: while uv is dominated in G_s, Flag(G_s ∖ uv) ↪ Flag(G_s) is a strong
/// collapse, hence a homotopy equivalence; these inclusions commute with the filtration maps, so the homology
/// persistence modules before and after the shift are isomorphic. Each step only needs the current filtration, so
/// the steps compose. New values are values of other edges, so the diagram keeps its units. Vertices are untouched.
/// Cost: O(n) per edge to list common neighbours plus O(|C|²) per domination search (C = common neighbours).
/// </remarks>
public static class EdgeCollapse
{
    /// <summary>
    /// Collapses the Rips graph {ij : d(i, j) ≤ threshold} and returns a matrix whose entries are the new edge values
    /// (+∞ for removed or absent edges): its flag filtration has the same persistence diagram as the Rips filtration.
    /// </summary>
    /// <param name="distances">Distances.</param>
    /// <param name="threshold">Largest edge value kept.</param>
    /// <returns>The collapsed edge values and the number of edges before and after.</returns>
    public static (DistanceMatrix Collapsed, int EdgesBefore, int EdgesAfter) Collapse(DistanceMatrix distances, float threshold)
    {
        ArgumentNullException.ThrowIfNull(distances);
        int n = distances.Count;
        ReadOnlySpan<float> lower = distances.Lower;

        // Current edge values, dense and symmetric (+∞ = absent).
        var value = new float[(long)n * n];
        Array.Fill(value, float.PositiveInfinity);
        var edges = new List<(float Value, int U, int V)>();
        for (int i = 1; i < n; i++)
        {
            long row = ((long)i * (i - 1)) >> 1;
            for (int j = 0; j < i; j++)
            {
                float d = lower[(int)(row + j)];
                if (d <= threshold)
                {
                    value[((long)i * n) + j] = d;
                    value[((long)j * n) + i] = d;
                    edges.Add((d, i, j));
                }
            }
        }

        edges.Sort(VisitOrder);
        var common = new List<int>();
        var join = new float[n];
        int kept = 0;
        foreach ((float t, int u, int v) in edges)
        {
            float shifted = ShiftTime(value, n, u, v, t, common, join);
            value[((long)u * n) + v] = shifted;
            value[((long)v * n) + u] = shifted;
            if (!float.IsPositiveInfinity(shifted))
            {
                kept++;
            }
        }

        var collapsed = new float[DistanceMatrix.TriangleLength(n)];
        for (int i = 1; i < n; i++)
        {
            long row = ((long)i * (i - 1)) >> 1;
            for (int j = 0; j < i; j++)
            {
                collapsed[row + j] = value[((long)i * n) + j];
            }
        }

        return (DistanceMatrix.Wrap(n, collapsed), edges.Count, kept);
    }

    /// <summary>
    /// The order both collapses visit edges in: decreasing value, ties by decreasing ids (any order is correct, this one
    /// is deterministic).
    /// </summary>
    private static int VisitOrder((float Value, int U, int V) a, (float Value, int U, int V) b) =>
        b.Value != a.Value ? b.Value.CompareTo(a.Value) : b.U != a.U ? b.U.CompareTo(a.U) : b.V.CompareTo(a.V);

    /// <summary>
    /// The same collapse on a Rips graph in compressed rows (the grid route of a low-dimensional cloud: no n × n array
    /// exists): the same edge order and shift times, common neighbourhoods by merging two sorted rows, val(w, x) from
    /// w's row spread into a scratch row of length n (cleared after each candidate w). The result is the graph of the
    /// surviving edges with their new values, equal edge for edge to <see cref="Collapse(DistanceMatrix, float)"/> on
    /// the distance matrix of the same graph.
    /// </summary>
    /// <param name="graph">The Rips graph (its distances are the edge values).</param>
    /// <param name="edgesAfter">The number of edges kept.</param>
    /// <returns>The collapsed graph.</returns>
    internal static RipsGraph Collapse(RipsGraph graph, out int edgesAfter)
    {
        int n = graph.Count;
        int[] rowStart = graph.RowStart;
        int[] adjacent = graph.Adjacent;
        float[] value = (float[])graph.Distance.Clone();

        // Each edge once (u > v) with both of its slots.
        var edges = new List<(float Value, int U, int V, int Slot, int Mirror)>(adjacent.Length / 2);
        for (int u = 0; u < n; u++)
        {
            for (int p = rowStart[u]; p < rowStart[u + 1]; p++)
            {
                int v = adjacent[p];
                if (v < u)
                {
                    edges.Add((value[p], u, v, p, Slot(rowStart, adjacent, v, u)));
                }
            }
        }

        edges.Sort(static (a, b) => VisitOrder((a.Value, a.U, a.V), (b.Value, b.U, b.V))); // the order of the dense collapse
        var scratch = new Scratch(n);
        var kept = new List<(int U, int V)>();
        var keptValue = new List<float>();
        foreach ((float t, int u, int v, int slot, int mirror) in edges)
        {
            float shifted = ShiftTime(rowStart, adjacent, value, u, v, t, scratch);
            value[slot] = shifted;
            value[mirror] = shifted;
        }

        foreach ((_, int u, int v, int slot, _) in edges)
        {
            if (!float.IsPositiveInfinity(value[slot]))
            {
                kept.Add((u, v));
                keptValue.Add(value[slot]);
            }
        }

        edgesAfter = kept.Count;
        RipsGraph collapsed = RipsGraph.FromEdges(n, [.. kept], out int[] edgeOfSlot);
        var distance = new float[edgeOfSlot.Length];
        for (int p = 0; p < distance.Length; p++)
        {
            distance[p] = keptValue[edgeOfSlot[p]];
        }

        return collapsed.WithDistances(distance);
    }

    /// <summary>The position of neighbour <paramref name="x"/> in row <paramref name="w"/> (rows descend), or −1.</summary>
    private static int Slot(int[] rowStart, int[] adjacent, int w, int x)
    {
        int lo = rowStart[w];
        int hi = rowStart[w + 1] - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int a = adjacent[mid];
            if (a == x)
            {
                return mid;
            }

            if (a > x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    /// <summary>
    /// <see cref="ShiftTime(float[], int, int, int, float, List{int}, float[])"/> on compressed rows; C sorted by
    /// join time as 64-bit keys (a non-negative float orders as its bits), the previous edge's dominator tried first
    /// (the shift time does not depend on which dominator is found).
    /// </summary>
    private static float ShiftTime(int[] rowStart, int[] adjacent, float[] value, int u, int v, float t, Scratch scratch)
    {
        List<int> common = scratch.Common;
        float[] join = scratch.Join;
        float[] row = scratch.Row;
        ulong[] keys = scratch.Keys;
        int count = 0;
        scratch.Stamp++;

        // x joins the common neighbourhood C at j_x = max(val(u, x), val(v, x)): merge the two descending rows.
        common.Clear();
        int p = rowStart[u];
        int q = rowStart[v];
        while (p < rowStart[u + 1] && q < rowStart[v + 1])
        {
            int a = adjacent[p];
            int b = adjacent[q];
            if (a == b)
            {
                float jx = MathF.Max(value[p], value[q]);
                if (!float.IsPositiveInfinity(jx))
                {
                    join[a] = jx;
                    scratch.Member[a] = scratch.Stamp;
                    keys[count++] = ((ulong)BitConverter.SingleToUInt32Bits(jx) << 32) | (uint)a;
                }

                p++;
                q++;
            }
            else if (a > b)
            {
                p++;
            }
            else
            {
                q++;
            }
        }

        keys.AsSpan(0, count).Sort();
        for (int k = 0; k < count; k++)
        {
            common.Add((int)(uint)keys[k]);
        }

        float s = t;
        while (true)
        {
            int dominator = -1;
            int last = scratch.LastDominator;
            if (last >= 0 && scratch.Member[last] == scratch.Stamp && join[last] <= s && Dominates(rowStart, adjacent, value, last, common, join, row, s))
            {
                dominator = last;
            }

            for (int k = 0; dominator < 0 && k < common.Count && join[common[k]] <= s; k++)
            {
                int w = common[k];
                if (w != last && Dominates(rowStart, adjacent, value, w, common, join, row, s))
                {
                    dominator = w;
                }
            }

            if (dominator < 0)
            {
                return s;
            }

            scratch.LastDominator = dominator;

            float next = float.PositiveInfinity;
            foreach (int x in common)
            {
                if (x != dominator && join[x] > s && join[x] < next && row[x] > join[x])
                {
                    next = join[x];
                }
            }

            Clear(rowStart, adjacent, dominator, row);

            if (float.IsPositiveInfinity(next))
            {
                return float.PositiveInfinity;
            }

            s = next;
        }
    }

    /// <summary>
    /// Whether w dominates at time s (val(w, x) ≤ s for every other x ∈ C(s)); on true w's row stays spread in
    /// <paramref name="row"/> (the caller clears it), on false it is cleared here.
    /// </summary>
    private static bool Dominates(int[] rowStart, int[] adjacent, float[] value, int w, List<int> common, float[] join, float[] row, float s)
    {
        Spread(rowStart, adjacent, value, w, row);
        foreach (int x in common)
        {
            if (join[x] > s)
            {
                break;
            }

            if (x != w && row[x] > s)
            {
                Clear(rowStart, adjacent, w, row);
                return false;
            }
        }

        return true;
    }

    /// <summary>Scratch space of the compressed-row collapse, reused across edges.</summary>
    private sealed class Scratch(int n)
    {
        public List<int> Common { get; } = [];

        public float[] Join { get; } = new float[n];

        public float[] Row { get; } = Filled(n);

        public ulong[] Keys { get; } = new ulong[n];

        public int[] Member { get; } = new int[n];

        public int Stamp { get; set; }

        public int LastDominator { get; set; } = -1;

        private static float[] Filled(int n)
        {
            var row = new float[n];
            Array.Fill(row, float.PositiveInfinity);
            return row;
        }
    }

    private static void Spread(int[] rowStart, int[] adjacent, float[] value, int w, float[] row)
    {
        for (int p = rowStart[w]; p < rowStart[w + 1]; p++)
        {
            row[adjacent[p]] = value[p];
        }
    }

    private static void Clear(int[] rowStart, int[] adjacent, int w, float[] row)
    {
        for (int p = rowStart[w]; p < rowStart[w + 1]; p++)
        {
            row[adjacent[p]] = float.PositiveInfinity;
        }
    }

    /// <summary>The first time s ≥ t at which uv is not dominated in G_s (+∞ when it stays dominated).</summary>
    private static float ShiftTime(float[] value, int n, int u, int v, float t, List<int> common, float[] join)
    {
        // x joins the common neighbourhood C at j_x = max(val(u, x), val(v, x)).
        common.Clear();
        long ru = (long)u * n;
        long rv = (long)v * n;
        for (int x = 0; x < n; x++)
        {
            if (x == u || x == v)
            {
                continue;
            }

            float jx = MathF.Max(value[ru + x], value[rv + x]);
            if (!float.IsPositiveInfinity(jx))
            {
                join[x] = jx;
                common.Add(x);
            }
        }

        // By join time, so C(s) is a prefix of the list.
        common.Sort((a, b) => join[a].CompareTo(join[b]));
        float s = t;
        while (true)
        {
            // A dominator w at time s: w ∈ C(s) and val(w, x) ≤ s for every other x ∈ C(s).
            int dominator = -1;
            foreach (int w in common)
            {
                if (join[w] > s)
                {
                    break;
                }

                long rw = (long)w * n;
                bool dominates = true;
                foreach (int x in common)
                {
                    if (join[x] > s)
                    {
                        break;
                    }

                    if (x != w && value[rw + x] > s)
                    {
                        dominates = false;
                        break;
                    }
                }

                if (dominates)
                {
                    dominator = w;
                    break;
                }
            }

            if (dominator < 0)
            {
                return s;
            }

            // w keeps dominating until some x joins C at j_x > s while wx is still absent (val(w, x) > j_x).
            long rd = (long)dominator * n;
            float next = float.PositiveInfinity;
            foreach (int x in common)
            {
                if (x != dominator && join[x] > s && value[rd + x] > join[x] && join[x] < next)
                {
                    next = join[x];
                }
            }

            if (float.IsPositiveInfinity(next))
            {
                return float.PositiveInfinity;
            }

            s = next;
        }
    }
}
