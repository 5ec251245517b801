namespace Pipelines.Numerics.Topology;

/// <summary>
/// Sparse approximation of the Rips filtration (Sheehy, "Linear-size approximations to the Vietoris–Rips
/// filtration", DCG 2013; Cavanna–Jahanseir–Sheehy, "A geometric perspective on sparse filtrations", CCCG 2015;
/// GUDHI's <c>RipsComplex(sparse=ε)</c> is the reference): a greedy (farthest-point) permutation p_1, p_2, … gives
/// every point its insertion radius λ_p (distance to the earlier points; λ_{p_1} = +∞); an edge pq with λ_p ≥ λ_q is
/// kept at its length d when ε·d ≤ 2λ_q, kept at the relaxed value 2(d − λ_q/ε) while ε·d ≤ λ_p + λ_q and
/// ε·d ≤ λ_q(1 + 1/(1 − ε)), and dropped otherwise. The flag filtration of the kept edges is multiplicatively
/// interleaved with the Rips filtration: every diagram point moves by at most a factor 1/(1 − ε) (log-scale
/// bottleneck distance ≤ −log(1 − ε)), and the number of edges grows linearly in n for a fixed doubling dimension.
/// </summary>
/// <remarks>
/// The result is an edge-value matrix for <see cref="RipsReducer"/> (+∞ = absent), like <see cref="EdgeCollapse"/>'s.
/// The permutation starts at point 0 and breaks ties by the lower index, so the result is deterministic. Cost:
/// O(n²) for the permutation and the edge test; the reduction then runs on far fewer edges.
/// </remarks>
public static class SparseRips
{
    /// <summary>Returns the sparse edge values of the Rips graph {ij : d(i, j) ≤ threshold} for approximation ε.</summary>
    /// <param name="distances">Distances.</param>
    /// <param name="epsilon">Approximation ε in (0, 1): diagram points move by at most a factor 1/(1 − ε).</param>
    /// <param name="threshold">Largest edge value kept (after relaxation).</param>
    /// <returns>The sparse edge values and the number of edges ≤ threshold before and after.</returns>
    /// <exception cref="ArgumentOutOfRangeException">ε outside (0, 1).</exception>
    public static (DistanceMatrix Sparse, int EdgesBefore, int EdgesAfter) Sparsify(DistanceMatrix distances, float epsilon, float threshold)
    {
        ArgumentNullException.ThrowIfNull(distances);
        if (!(epsilon > 0f && epsilon < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "The sparse Rips approximation ε must be in (0, 1).");
        }

        int n = distances.Count;
        float[] radius = InsertionRadii(distances);
        ReadOnlySpan<float> lower = distances.Lower;
        var sparse = new float[lower.Length];
        int before = 0;
        int after = 0;
        double relaxLimit = 1.0 + (1.0 / (1.0 - epsilon));
        for (int i = 1; i < n; i++)
        {
            long row = ((long)i * (i - 1)) >> 1;
            for (int j = 0; j < i; j++)
            {
                float d = lower[(int)(row + j)];
                float value = float.PositiveInfinity;
                if (d <= threshold)
                {
                    before++;
                    float early = Math.Max(radius[i], radius[j]);
                    float late = Math.Min(radius[i], radius[j]);
                    double ed = (double)epsilon * d;
                    if (ed <= 2.0 * late)
                    {
                        value = d;
                    }
                    else if (ed <= (double)early + late && ed <= late * relaxLimit)
                    {
                        value = (float)(2.0 * (d - (late / (double)epsilon)));
                    }

                    if (value <= threshold)
                    {
                        after++;
                    }
                    else
                    {
                        value = float.PositiveInfinity;
                    }
                }

                sparse[row + j] = value;
            }
        }

        return (DistanceMatrix.Wrap(n, sparse), before, after);
    }

    /// <summary>
    /// Insertion radii of the greedy permutation from point 0: λ of a point is its distance to the points chosen
    /// before it (+∞ for the first); ties go to the lower index.
    /// </summary>
    /// <param name="distances">Distances.</param>
    /// <returns>λ per point, in the input order.</returns>
    internal static float[] InsertionRadii(DistanceMatrix distances)
    {
        int n = distances.Count;
        var radius = new float[n];
        if (n == 0)
        {
            return radius;
        }

        var nearest = new float[n];
        var chosen = new bool[n];
        Array.Fill(nearest, float.PositiveInfinity);
        int next = 0;
        float nextRadius = float.PositiveInfinity;
        for (int step = 0; step < n; step++)
        {
            chosen[next] = true;
            radius[next] = nextRadius;
            int current = next;
            next = -1;
            nextRadius = -1f;
            for (int v = 0; v < n; v++)
            {
                if (chosen[v])
                {
                    continue;
                }

                nearest[v] = Math.Min(nearest[v], distances[current, v]);
                if (nearest[v] > nextRadius)
                {
                    nextRadius = nearest[v];
                    next = v;
                }
            }

            if (next < 0)
            {
                break;
            }
        }

        return radius;
    }
}
