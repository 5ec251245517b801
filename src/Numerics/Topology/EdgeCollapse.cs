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

        // Decreasing value; ties by decreasing ids (any order is correct, this one is deterministic).
        edges.Sort(static (a, b) => b.Value != a.Value ? b.Value.CompareTo(a.Value) : b.U != a.U ? b.U.CompareTo(a.U) : b.V.CompareTo(a.V));
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
