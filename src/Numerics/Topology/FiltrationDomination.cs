using System.Numerics;

namespace Pipelines.Numerics.Topology;

/// <summary>
/// Removal of strongly filtration-dominated edges from a bifiltered flag complex (Alonso, Kerber, Pritam,
/// "Filtration-domination in bifiltered graphs", ALENEX 2023): the graph is the function-Rips graph on grid indices,
/// vertex v entering at (0, ℓ_v) and edge uv at g_uv = (x_uv, max(ℓ_u, ℓ_v)). An edge uv is removed when some vertex
/// w ∉ {u, v} dominates it at every grade where it is present: g_uw ≤ g_uv, g_vw ≤ g_uv, and every x adjacent to u
/// and v has g_wx ≤ g_uv ∨ g_ux ∨ g_vx (x joins the common neighbourhood no earlier than wx appears).
/// </summary>
/// <remarks>
/// Why every Hilbert (and rank) invariant is unchanged: at each grade p ≥ g_uv the edge is dominated in G_p, so
/// Flag(G_p ∖ uv) ↪ Flag(G_p) is a strong collapse, a homotopy equivalence; these inclusions commute with the maps
/// between grades, so the two persistence modules are isomorphic. Each step only reads the current graph, so steps
/// compose. The second coordinate of a grade is the maximum of the vertex levels, so g_wx's second coordinate is
/// below the bound once ℓ_w ≤ max(ℓ_u, ℓ_v): only first coordinates are compared over the common neighbourhood.
/// Implementation: a dense (n, n) matrix of first-parameter indices with a zero diagonal (closed neighbourhoods), so
/// the bound t_x = max(x_uv, x_ux, x_vx) over N[u] ∩ N[v] (∞ elsewhere) is one vector pass, and "w dominates" is the
/// vector test row_w ≤ t, which also checks g_uw, g_vw ≤ g_uv (u, v ∈ N[u] ∩ N[v] with bound x_uv). Cost per edge:
/// O(n) plus O(n) per candidate tried, SIMD-wide; the last dominator found is tried first.
/// </remarks>
internal static class FiltrationDomination
{
    /// <summary>
    /// Marks dominated edges as absent (<paramref name="absent"/>) in <paramref name="lower"/>, the strict lower
    /// triangle of first-parameter grid indices (entry (i, j), i &gt; j, at i(i − 1)/2 + j; values ≥
    /// <paramref name="absent"/> are absent edges). Edges are visited by decreasing grade (x, then level), ties by
    /// decreasing ids, so the result is deterministic.
    /// </summary>
    /// <param name="lower">Snapped edge grid indices; updated in place.</param>
    /// <param name="level">ℓ_v per vertex (second-parameter grid index).</param>
    /// <param name="absent">The index meaning "never present" (n1).</param>
    /// <param name="cancellation">Checked every 1024 edges.</param>
    /// <returns>The number of edges present before and after.</returns>
    public static (int Before, int After) Collapse(float[] lower, ReadOnlySpan<int> level, int absent, CancellationToken cancellation = default)
    {
        int n = level.Length;
        if (absent >= ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(absent), absent, "Filtration domination handles first-parameter grids of fewer than 65535 values.");
        }

        // Rows padded to whole vectors; padding reads as present at index 0 and is never bounded (t = ∞).
        int width = Vector<ushort>.Count;
        int stride = (n + width - 1) / width * width;
        ushort none = (ushort)absent;
        var x = new ushort[(long)n * stride];
        for (int i = 0; i < n; i++)
        {
            x.AsSpan((int)((long)i * stride), n).Fill(none);
            x[((long)i * stride) + i] = 0;
        }

        var edges = new List<(ushort X, int Y, int U, int V)>();
        for (int i = 1; i < n; i++)
        {
            long row = ((long)i * (i - 1)) >> 1;
            for (int j = 0; j < i; j++)
            {
                float g = lower[row + j];
                if (g < absent)
                {
                    ushort gx = (ushort)g;
                    x[((long)i * stride) + j] = gx;
                    x[((long)j * stride) + i] = gx;
                    edges.Add((gx, Math.Max(level[i], level[j]), i, j));
                }
            }
        }

        edges.Sort(static (a, b) => a.X != b.X ? b.X.CompareTo(a.X) : a.Y != b.Y ? b.Y.CompareTo(a.Y) : a.U != b.U ? b.U.CompareTo(a.U) : b.V.CompareTo(a.V));
        var bound = new ushort[stride];
        var noneVector = new Vector<ushort>(none);
        var infinity = new Vector<ushort>(ushort.MaxValue);
        int kept = edges.Count;
        int visited = 0;
        int last = -1;
        foreach ((ushort ex, int ey, int u, int v) in edges)
        {
            if ((++visited & 1023) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
            }

            // t_y = max(x_uv, x_uy, x_vy) on N[u] ∩ N[v], ∞ elsewhere (an absent entry is none, the largest index).
            ReadOnlySpan<ushort> ru = x.AsSpan((int)((long)u * stride), stride);
            ReadOnlySpan<ushort> rv = x.AsSpan((int)((long)v * stride), stride);
            var edge = new Vector<ushort>(ex);
            for (int k = 0; k < stride; k += width)
            {
                Vector<ushort> m = Vector.Max(new Vector<ushort>(ru[k..]), new Vector<ushort>(rv[k..]));
                Vector.ConditionalSelect(Vector.Equals(m, noneVector), infinity, Vector.Max(m, edge)).CopyTo(bound.AsSpan(k));
            }

            int dominator = last >= 0 && IsCandidate(last, u, v, ex, ey, bound, level) && Dominates(x, stride, last, bound) ? last : -1;
            for (int w = 0; w < n && dominator < 0; w++)
            {
                if (w != last && IsCandidate(w, u, v, ex, ey, bound, level) && Dominates(x, stride, w, bound))
                {
                    dominator = w;
                }
            }

            if (dominator >= 0)
            {
                last = dominator;
                x[((long)u * stride) + v] = none;
                x[((long)v * stride) + u] = none;
                lower[(((long)u * (u - 1)) >> 1) + v] = absent;
                kept--;
            }
        }

        return (edges.Count, kept);
    }

    /// <summary>w ∈ N[u] ∩ N[v] ∖ {u, v} with x_uw, x_vw ≤ x_uv (t_w = x_uv) and ℓ_w ≤ the edge's level.</summary>
    private static bool IsCandidate(int w, int u, int v, ushort ex, int ey, ushort[] bound, ReadOnlySpan<int> level) =>
        bound[w] == ex && w != u && w != v && level[w] <= ey;

    /// <summary>row_w ≤ t everywhere: every y of N[u] ∩ N[v] (u and v included) is adjacent to w by t_y.</summary>
    private static bool Dominates(ushort[] x, int stride, int w, ushort[] bound)
    {
        ReadOnlySpan<ushort> rw = x.AsSpan((int)((long)w * stride), stride);
        int width = Vector<ushort>.Count;
        for (int k = 0; k < stride; k += width)
        {
            if (Vector.GreaterThanAny(new Vector<ushort>(rw[k..]), new Vector<ushort>(bound.AsSpan(k))))
            {
                return false;
            }
        }

        return true;
    }
}
