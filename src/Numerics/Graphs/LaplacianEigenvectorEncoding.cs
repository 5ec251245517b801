namespace Pipelines.Numerics.Graphs;

/// <summary>
/// LapPE (Dwivedi &amp; Bresson 2020): the raw eigenvectors <c>V ∈ ℝ^{n×k}</c> of the normalised Laplacian, zero-padded to
/// <c>k</c> columns, each column's sign fixed by a deterministic rule. Unlike SPE it is not invariant to the basis chosen
/// inside a repeated eigenvalue, and it jumps by O(1) when a perturbation splits one; it is the control of the suite.
/// </summary>
public static class LaplacianEigenvectorEncoding
{
    /// <summary>Entries (and sums) below this magnitude count as zero when choosing a sign.</summary>
    public const double SignTolerance = 1e-8;

    /// <summary>
    /// Fixes the sign of every column of the row-major <c>(n, d)</c> <paramref name="vectors"/> in place: the column sum
    /// is made positive; when it vanishes (e.g. every non-trivial eigenvector of a regular graph), the sum of cubes; when
    /// that vanishes too, the first entry of magnitude above <see cref="SignTolerance"/>.
    /// </summary>
    public static void CanonicalizeSigns(Span<double> vectors, int n, int d)
    {
        if (vectors.Length < n * d)
        {
            throw new ArgumentException($"Vectors have {vectors.Length} entries, expected n·d = {n * d}.", nameof(vectors));
        }

        for (int j = 0; j < d; j++)
        {
            double sum = 0;
            double cubes = 0;
            int first = -1;
            for (int i = 0; i < n; i++)
            {
                double v = vectors[(i * d) + j];
                sum += v;
                cubes += v * v * v;
                if (first < 0 && Math.Abs(v) > SignTolerance)
                {
                    first = i;
                }
            }

            bool flip = Math.Abs(sum) > SignTolerance
                ? sum < 0
                : Math.Abs(cubes) > SignTolerance ? cubes < 0 : first >= 0 && vectors[(first * d) + j] < 0;
            if (flip)
            {
                for (int i = 0; i < n; i++)
                {
                    vectors[(i * d) + j] = -vectors[(i * d) + j];
                }
            }
        }
    }

    /// <summary>Writes the sign-canonical, zero-padded <c>(n, k)</c> LapPE of <paramref name="spectrum"/>.</summary>
    public static void Compute(Spectrum spectrum, int k, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        int n = spectrum.NodeCount;
        int d = Math.Min(spectrum.Count, k);
        if (destination.Length < n * k)
        {
            throw new ArgumentException($"Destination has {destination.Length} elements, LapPE needs n·k = {n * k}.", nameof(destination));
        }

        var v = new double[n * d];
        for (int i = 0; i < n; i++)
        {
            Array.Copy(spectrum.Vectors, i * spectrum.Count, v, i * d, d);
        }

        CanonicalizeSigns(v, n, d);
        destination[..(n * k)].Clear();
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                destination[(i * k) + j] = (float)v[(i * d) + j];
            }
        }
    }
}
