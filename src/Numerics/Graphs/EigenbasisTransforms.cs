namespace Pipelines.Numerics.Graphs;

/// <summary>
/// The symmetries of an eigendecomposition: each eigenvector's sign, and any orthogonal change of basis inside a
/// repeated eigenvalue's eigenspace. A basis-invariant encoding (SPE) must not change under them; raw LapPE does.
/// Also usable as seeded training augmentation (the sign flip PyG applies with its global RNG).
/// </summary>
public static class EigenbasisTransforms
{
    /// <summary>Flips the sign of each eigenvector with probability ½.</summary>
    public static Spectrum RandomSignFlips(Spectrum spectrum, Random random)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        ArgumentNullException.ThrowIfNull(random);
        int n = spectrum.NodeCount;
        int d = spectrum.Count;
        var v = (double[])spectrum.Vectors.Clone();
        for (int j = 0; j < d; j++)
        {
            if (random.Next(2) == 0)
            {
                continue;
            }

            for (int i = 0; i < n; i++)
            {
                v[(i * d) + j] = -v[(i * d) + j];
            }
        }

        return spectrum.WithVectors(v);
    }

    /// <summary>
    /// Replaces the basis <c>V_S</c> of every group of kept eigenvalues within <paramref name="tolerance"/> by
    /// <c>V_S Q</c> with a random orthogonal <c>Q</c> (Gram–Schmidt of a Gaussian matrix, random signs included).
    /// </summary>
    /// <returns>The rotated spectrum and the largest eigenspace dimension that was rotated.</returns>
    public static (Spectrum Rotated, int LargestEigenspace) RandomRotation(Spectrum spectrum, Random random, double tolerance = SpectrumOptions.DefaultDegeneracyTolerance)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        ArgumentNullException.ThrowIfNull(random);
        int n = spectrum.NodeCount;
        int d = spectrum.Count;
        var v = (double[])spectrum.Vectors.Clone();
        int largest = 0;
        int start = 0;
        while (start < d)
        {
            int end = start + 1;
            while (end < d && spectrum.Values[end] - spectrum.Values[end - 1] <= tolerance)
            {
                end++;
            }

            int s = end - start;
            largest = Math.Max(largest, s);
            double[] q = RandomOrthogonal(s, random);
            var block = new double[s];
            for (int i = 0; i < n; i++)
            {
                for (int c = 0; c < s; c++)
                {
                    double acc = 0;
                    for (int r = 0; r < s; r++)
                    {
                        acc += spectrum.Vectors[(i * d) + start + r] * q[(r * s) + c];
                    }

                    block[c] = acc;
                }

                for (int c = 0; c < s; c++)
                {
                    v[(i * d) + start + c] = block[c];
                }
            }

            start = end;
        }

        return (spectrum.WithVectors(v), largest);
    }

    /// <summary>A random <c>s×s</c> orthogonal matrix, row-major.</summary>
    public static double[] RandomOrthogonal(int s, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var q = new double[s * s];
        for (int c = 0; c < s; c++)
        {
            var col = new double[s];
            double norm;
            do
            {
                for (int r = 0; r < s; r++)
                {
                    col[r] = Gaussian(random);
                }

                for (int pass = 0; pass < 2; pass++)
                {
                    for (int p = 0; p < c; p++)
                    {
                        double dot = 0;
                        for (int r = 0; r < s; r++)
                        {
                            dot += q[(r * s) + p] * col[r];
                        }

                        for (int r = 0; r < s; r++)
                        {
                            col[r] -= dot * q[(r * s) + p];
                        }
                    }
                }

                norm = Math.Sqrt(col.Sum(x => x * x));
            }
            while (norm < 1e-6);
            for (int r = 0; r < s; r++)
            {
                q[(r * s) + c] = col[r] / norm;
            }
        }

        return q;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
