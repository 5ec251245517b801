using MathNet.Numerics.LinearAlgebra;
using Pipelines.Numerics.Graphs;

namespace Pipelines.Numerics.Topology;

/// <summary>Vertex functions used as filtration parameters of graphs (edge value = max of its endpoints).</summary>
public enum GraphVertexFunctionKind
{
    /// <summary>Heat-kernel signature HKS_t(v) = Σ_k exp(−t λ_k) φ_k(v)² on the normalised Laplacian I − D^{−1/2} A D^{−1/2}; parameter = t.</summary>
    HeatKernelSignature,

    /// <summary>Node degree deg(v).</summary>
    Degree,

    /// <summary>Inverse degree 1/deg(v) (1.1 for isolated nodes), as in the signed-measure graph experiments.</summary>
    InverseDegree,

    /// <summary>Closeness centrality (Wasserman–Faust): ((r − 1)/(n − 1)) · (r − 1)/Σ_u d(v, u) over the r nodes reachable from v.</summary>
    Closeness,

    /// <summary>Squared Fiedler vector: φ_2(v)², φ_2 the eigenvector of the second-smallest eigenvalue of L = D − A (sign-free).</summary>
    FiedlerSquared,

    /// <summary>Forman–Ricci curvature averaged over incident edges: F(u, v) = 4 − deg u − deg v + 3·#triangles(u, v); 0 when isolated.</summary>
    FormanRicci,

    /// <summary>
    /// Pauling electronegativity χ(v) of the node's element (<see cref="PaulingElectronegativity"/>), from node labels
    /// that are atomic numbers: a chemically ordered function (heteroatoms enter after the C–H skeleton). Needs the labels
    /// (<see cref="GraphVertexFunction.Compute(GraphStructure, GraphVertexFunctionKind, float, ReadOnlySpan{float})"/>).
    /// </summary>
    Electronegativity,
}

/// <summary>Computes <see cref="GraphVertexFunctionKind"/> values.</summary>
public static class GraphVertexFunction
{
    /// <summary>Computes one value per node.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="kind">Function.</param>
    /// <param name="parameter">HKS time t (ignored by the other functions).</param>
    /// <returns>Values, length NodeCount.</returns>
    public static float[] Compute(GraphStructure graph, GraphVertexFunctionKind kind, float parameter = 10f) => Compute(graph, kind, parameter, default);

    /// <summary>Computes one value per node, with node labels for the label-based functions.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="kind">Function.</param>
    /// <param name="parameter">HKS time t (ignored by the other functions).</param>
    /// <param name="nodeLabels">One label per node: atomic numbers for <see cref="GraphVertexFunctionKind.Electronegativity"/> (ignored by the others).</param>
    /// <returns>Values, length NodeCount.</returns>
    /// <exception cref="ArgumentException">A label-based function without one label per node.</exception>
    /// <exception cref="UnknownAtomException">A label is not an atomic number with a Pauling electronegativity.</exception>
    public static float[] Compute(GraphStructure graph, GraphVertexFunctionKind kind, float parameter, ReadOnlySpan<float> nodeLabels)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (kind == GraphVertexFunctionKind.Electronegativity)
        {
            return nodeLabels.Length == graph.NodeCount
                ? PaulingElectronegativity.Of(nodeLabels)
                : throw new ArgumentException($"The electronegativity needs one node label (atomic number) per node: {nodeLabels.Length} labels for {graph.NodeCount} nodes.", nameof(nodeLabels));
        }

        int n = graph.NodeCount;
        var f = new float[n];
        switch (kind)
        {
            case GraphVertexFunctionKind.Degree:
                for (int v = 0; v < n; v++)
                {
                    f[v] = graph.Degree(v);
                }

                break;
            case GraphVertexFunctionKind.InverseDegree:
                for (int v = 0; v < n; v++)
                {
                    f[v] = graph.Degree(v) == 0 ? 1.1f : 1f / graph.Degree(v);
                }

                break;
            case GraphVertexFunctionKind.Closeness:
                Closeness(graph, f);
                break;
            case GraphVertexFunctionKind.HeatKernelSignature:
                HeatKernel(graph, parameter, f);
                break;
            case GraphVertexFunctionKind.FiedlerSquared:
                Fiedler(graph, f);
                break;
            case GraphVertexFunctionKind.FormanRicci:
                Forman(graph, f);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown graph vertex function.");
        }

        return f;
    }

    private static void Closeness(GraphStructure g, float[] f)
    {
        int n = g.NodeCount;
        var dist = new int[n];
        var queue = new int[n];
        for (int s = 0; s < n; s++)
        {
            Array.Fill(dist, -1);
            dist[s] = 0;
            int head = 0;
            int tail = 0;
            queue[tail++] = s;
            long total = 0;
            while (head < tail)
            {
                int v = queue[head++];
                total += dist[v];
                foreach (int u in g.Neighbors(v))
                {
                    if (dist[u] < 0)
                    {
                        dist[u] = dist[v] + 1;
                        queue[tail++] = u;
                    }
                }
            }

            int r = tail;
            f[s] = total == 0 || n < 2 ? 0f : (float)((r - 1.0) / (n - 1) * ((r - 1.0) / total));
        }
    }

    private static Matrix<double> NormalizedLaplacian(GraphStructure g)
    {
        int n = g.NodeCount;
        Matrix<double> l = Matrix<double>.Build.Dense(n, n);
        for (int v = 0; v < n; v++)
        {
            if (g.Degree(v) > 0)
            {
                l[v, v] = 1;
            }
        }

        foreach ((int u, int v) in g.Edges)
        {
            double w = -1.0 / Math.Sqrt((double)g.Degree(u) * g.Degree(v));
            l[u, v] = w;
            l[v, u] = w;
        }

        return l;
    }

    private static void HeatKernel(GraphStructure g, float t, float[] f)
    {
        if (g.NodeCount == 0)
        {
            return;
        }

        var evd = NormalizedLaplacian(g).Evd(Symmetricity.Symmetric);
        Matrix<double> phi = evd.EigenVectors;
        Vector<double> lambda = evd.EigenValues.Real();
        for (int v = 0; v < g.NodeCount; v++)
        {
            double s = 0;
            for (int k = 0; k < g.NodeCount; k++)
            {
                s += Math.Exp(-t * lambda[k]) * phi[v, k] * phi[v, k];
            }

            f[v] = (float)s;
        }
    }

    private static void Fiedler(GraphStructure g, float[] f)
    {
        int n = g.NodeCount;
        if (n < 2)
        {
            return;
        }

        Matrix<double> l = Matrix<double>.Build.Dense(n, n);
        foreach ((int u, int v) in g.Edges)
        {
            l[u, v] = -1;
            l[v, u] = -1;
            l[u, u] += 1;
            l[v, v] += 1;
        }

        var evd = l.Evd(Symmetricity.Symmetric);
        Vector<double> lambda = evd.EigenValues.Real();
        int[] order = [.. Enumerable.Range(0, n).OrderBy(k => lambda[k])];
        int second = order[1];
        for (int v = 0; v < n; v++)
        {
            double x = evd.EigenVectors[v, second];
            f[v] = (float)(x * x);
        }
    }

    private static void Forman(GraphStructure g, float[] f)
    {
        var sum = new double[g.NodeCount];
        foreach ((int u, int v) in g.Edges)
        {
            int triangles = 0;
            ReadOnlySpan<int> a = g.Neighbors(u);
            ReadOnlySpan<int> b = g.Neighbors(v);
            int i = 0;
            int j = 0;
            while (i < a.Length && j < b.Length)
            {
                if (a[i] == b[j])
                {
                    triangles++;
                    i++;
                    j++;
                }
                else if (a[i] < b[j])
                {
                    i++;
                }
                else
                {
                    j++;
                }
            }

            double c = 4 - g.Degree(u) - g.Degree(v) + (3 * triangles);
            sum[u] += c;
            sum[v] += c;
        }

        for (int v = 0; v < g.NodeCount; v++)
        {
            f[v] = g.Degree(v) == 0 ? 0f : (float)(sum[v] / g.Degree(v));
        }
    }
}
