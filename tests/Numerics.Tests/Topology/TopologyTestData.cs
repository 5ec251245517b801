namespace Pipelines.Numerics.Tests.Topology;

internal static class TopologyTestData
{
    /// <summary>Noisy annulus in R² (radius 1, noise σ) with a few uniform outliers, row-major (n, 2).</summary>
    public static float[] NoisyAnnulus(int n, float noise, int seed)
    {
        var rng = new Random(seed);
        var pts = new float[2 * n];
        for (int i = 0; i < n; i++)
        {
            if (i % 10 == 9)
            {
                pts[2 * i] = (float)((rng.NextDouble() * 3) - 1.5);
                pts[(2 * i) + 1] = (float)((rng.NextDouble() * 3) - 1.5);
                continue;
            }

            double t = rng.NextDouble() * 2 * Math.PI;
            pts[2 * i] = (float)(Math.Cos(t) + (noise * Gaussian(rng)));
            pts[(2 * i) + 1] = (float)(Math.Sin(t) + (noise * Gaussian(rng)));
        }

        return pts;
    }

    public static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    public static float[] Permute(float[] pts, int dim, int seed, out int[] perm)
    {
        int n = pts.Length / dim;
        perm = [.. Enumerable.Range(0, n)];
        new Random(seed).Shuffle(perm);
        var r = new float[pts.Length];
        for (int i = 0; i < n; i++)
        {
            Array.Copy(pts, perm[i] * dim, r, i * dim, dim);
        }

        return r;
    }
}
