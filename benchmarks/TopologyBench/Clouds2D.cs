using System.Globalization;

namespace Pipelines.Benchmarks.Topology;

/// <summary>
/// Seeded 2-D clouds for the Rips table (written as whitespace point files so Ripser and GUDHI read the same points):
/// a noisy annulus (radius 1, radial noise ±0.1, 1,000 points) and a uniform unit square (2,000 points).
/// </summary>
internal static class Clouds2D
{
    /// <summary>The 2-D cases: name, file (under <paramref name="folder"/>), max degree, threshold, GUDHI too.</summary>
    public static (string Name, string File, int MaxDim, float? Threshold, bool Gudhi)[] Cases(string folder)
    {
        Directory.CreateDirectory(folder);
        Write(Path.Combine(folder, "annulus2d_1000.txt"), Annulus(1000, seed: 7));
        Write(Path.Combine(folder, "square2d_2000.txt"), Square(2000, seed: 11));
        return
        [
            ("annulus2d_1000 t0.15 H0+H1", "annulus2d_1000.txt", 1, 0.15f, true),
            ("annulus2d_1000 t0.15 H0..H2", "annulus2d_1000.txt", 2, 0.15f, true),
            ("square2d_2000 t0.1 H0+H1", "square2d_2000.txt", 1, 0.1f, true),
        ];
    }

    private static float[] Annulus(int n, int seed)
    {
        var rng = new Random(seed);
        var p = new float[2 * n];
        for (int i = 0; i < n; i++)
        {
            double t = rng.NextDouble() * 2 * Math.PI;
            double r = 1 + (0.2 * (rng.NextDouble() - 0.5));
            p[2 * i] = (float)(r * Math.Cos(t));
            p[(2 * i) + 1] = (float)(r * Math.Sin(t));
        }

        return p;
    }

    private static float[] Square(int n, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, 2 * n).Select(_ => (float)rng.NextDouble())];
    }

    private static void Write(string path, float[] points)
    {
        var lines = new string[points.Length / 2];
        for (int i = 0; i < lines.Length; i++)
        {
            lines[i] = string.Create(CultureInfo.InvariantCulture, $"{points[2 * i]:R} {points[(2 * i) + 1]:R}");
        }

        File.WriteAllLines(path, lines);
    }
}
