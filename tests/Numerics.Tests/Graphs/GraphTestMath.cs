using Pipelines.Numerics.Graphs;

namespace Pipelines.Numerics.Tests.Graphs;

internal static class GraphTestMath
{
    public static double[] Adjacency(GraphStructure g)
    {
        int n = g.NodeCount;
        var a = new double[n * n];
        for (int e = 0; e < g.EdgeCount; e++)
        {
            a[(g.EdgeU[e] * n) + g.EdgeV[e]] = g.EdgeWeights[e];
            a[(g.EdgeV[e] * n) + g.EdgeU[e]] = g.EdgeWeights[e];
        }

        return a;
    }

    public static double[] MatMul(double[] a, double[] b, int n)
    {
        var c = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < n; k++)
            {
                double aik = a[(i * n) + k];
                if (aik == 0)
                {
                    continue;
                }

                for (int j = 0; j < n; j++)
                {
                    c[(i * n) + j] += aik * b[(k * n) + j];
                }
            }
        }

        return c;
    }

    public static double Trace(double[] a, int n)
    {
        double t = 0;
        for (int i = 0; i < n; i++)
        {
            t += a[(i * n) + i];
        }

        return t;
    }

    /// <summary>Projector V Vᵀ of a spectrum, row-major n×n.</summary>
    public static double[] Projector(Spectrum s)
    {
        int n = s.NodeCount;
        int d = s.Count;
        var p = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int c = 0; c < d; c++)
                {
                    acc += s.Vectors[(i * d) + c] * s.Vectors[(j * d) + c];
                }

                p[(i * n) + j] = acc;
            }
        }

        return p;
    }

    public static double MaxAbsDiff(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            m = Math.Max(m, Math.Abs(a[i] - b[i]));
        }

        return m;
    }
}
