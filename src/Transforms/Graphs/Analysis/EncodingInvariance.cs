using Pipelines.Numerics.Graphs;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Transforms.Graphs.Analysis;

/// <summary>One graph's relabelling check: <c>PE(G)</c> mapped through the permutation against <c>PE(P·G)</c>.</summary>
/// <param name="Nodes">Node count n.</param>
/// <param name="LargestEigenspace">Largest eigenspace dimension rotated at random in <c>P·G</c>'s basis (1: none degenerate; 0 for RWSE).</param>
/// <param name="Kept">Eigenpairs kept, d (0 for RWSE).</param>
/// <param name="MaxAbsDifference"><c>max_{i,c} |PE(G)[i,c] − PE(P·G)[π(i),c]|</c>.</param>
/// <param name="RelativeDifference"><see cref="MaxAbsDifference"/> over <c>max |PE(G)|</c>.</param>
public readonly record struct InvarianceCheck(int Nodes, int LargestEigenspace, int Kept, double MaxAbsDifference, double RelativeDifference);

/// <summary>
/// Permutation equivariance and basis invariance on real graphs: every graph is relabelled at random, and the
/// relabelled graph's eigenvectors are rotated at random inside each degenerate eigenspace of its full spectrum before
/// the spectrum is truncated the way <see cref="SpectrumOptions"/> says. An encoding that is a function of the graph
/// gives the same rows; one that depends on the eigensolver's basis (a cut inside an eigenspace) does not.
/// </summary>
public static class EncodingInvariance
{
    /// <summary>Largest <c>B·N²</c> per SPE batch (bounds the <c>(B, N, N, hidden)</c> ρ tensor).</summary>
    private const long BatchEntries = 1L << 21;

    /// <summary>Checks SPE with <paramref name="encoder"/>'s φ/ρ on every graph (graph g uses the seed <c>seed + g</c>).</summary>
    /// <param name="graphs">The graphs.</param>
    /// <param name="encoder">SPE (float64 or float32).</param>
    /// <param name="options">Spectrum options (K, truncation) of both sides.</param>
    /// <param name="seed">Seed of the relabellings and rotations.</param>
    /// <returns>One check per graph, in input order.</returns>
    public static InvarianceCheck[] Spe(IReadOnlyList<GraphStructure> graphs, SpeEncoder encoder, SpectrumOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        int count = graphs.Count;
        var permuted = new GraphStructure[count];
        var perms = new int[count][];
        var left = new Spectrum[count];
        var right = new Spectrum[count];
        var largest = new int[count];
        Parallel.For(0, count, g =>
        {
            var rng = new Random(unchecked(seed + g));
            GraphStructure graph = graphs[g];
            int n = graph.NodeCount;
            perms[g] = RandomGraphs.Permutation(n, rng);
            permuted[g] = graph.Permute(perms[g]);
            left[g] = LaplacianSpectrum.Compute(graph, options);
            int d = LaplacianSpectrum.Compute(permuted[g], options).Count;
            Spectrum whole = LaplacianSpectrum.Compute(permuted[g], options with { K = n, Solver = EigensolverKind.Dense, Truncation = SpectrumTruncation.Fixed });
            (Spectrum rotated, largest[g]) = EigenbasisTransforms.RandomRotation(whole, rng, options.DegeneracyTolerance);
            right[g] = First(rotated, d);
        });

        double[][] a = EncodeBounded(encoder, graphs, left, options.K);
        double[][] b = EncodeBounded(encoder, permuted, right, options.K);
        int p = encoder.Parameters.Options.OutputSize;
        var result = new InvarianceCheck[count];
        for (int g = 0; g < count; g++)
        {
            result[g] = Compare(a[g], b[g], perms[g], p, largest[g], left[g].Count);
        }

        return result;
    }

    /// <summary>Checks RWSE with <paramref name="steps"/> steps on every graph (graph g uses the seed <c>seed + g</c>).</summary>
    /// <param name="graphs">The graphs.</param>
    /// <param name="steps">Random-walk steps.</param>
    /// <param name="seed">Seed of the relabellings.</param>
    /// <returns>One check per graph, in input order.</returns>
    public static InvarianceCheck[] Rwse(IReadOnlyList<GraphStructure> graphs, int steps, int seed)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        var result = new InvarianceCheck[graphs.Count];
        Parallel.For(0, graphs.Count, g =>
        {
            GraphStructure graph = graphs[g];
            int n = graph.NodeCount;
            int[] perm = RandomGraphs.Permutation(n, new Random(unchecked(seed + g)));
            var a = new float[n * steps];
            var b = new float[n * steps];
            RandomWalkEncoding.Compute(graph, steps, a);
            RandomWalkEncoding.Compute(graph.Permute(perm), steps, b);
            result[g] = Compare(Array.ConvertAll(a, x => (double)x), Array.ConvertAll(b, x => (double)x), perm, steps, 0, 0);
        });
        return result;
    }

    private static Spectrum First(Spectrum s, int d)
    {
        int n = s.NodeCount;
        var v = new double[n * d];
        for (int i = 0; i < n; i++)
        {
            Array.Copy(s.Vectors, i * s.Count, v, i * d, d);
        }

        return new Spectrum(n, s.Values[..d], v, d < s.Count ? s.Values[d] : double.PositiveInfinity, s.Solver);
    }

    private static double[][] EncodeBounded(SpeEncoder encoder, IReadOnlyList<GraphStructure> graphs, Spectrum[] spectra, int k)
    {
        var result = new double[graphs.Count][];
        int[] order = Enumerable.Range(0, graphs.Count).OrderBy(i => graphs[i].NodeCount).ThenBy(i => i).ToArray();
        int start = 0;
        while (start < order.Length)
        {
            int end = start + 1;
            while (end < order.Length && (long)(end - start + 1) * graphs[order[end]].NodeCount * graphs[order[end]].NodeCount <= BatchEntries)
            {
                end++;
            }

            int[] idx = order[start..end];
            double[][] part = encoder.Encode(idx.Select(i => graphs[i]).ToList(), idx.Select(i => spectra[i]).ToList(), k, idx.Length);
            for (int r = 0; r < idx.Length; r++)
            {
                result[idx[r]] = part[r];
            }

            start = end;
        }

        return result;
    }

    private static InvarianceCheck Compare(double[] a, double[] b, int[] perm, int width, int largest, int kept)
    {
        int n = perm.Length;
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < width; c++)
            {
                double x = a[(i * width) + c];
                scale = Math.Max(scale, Math.Abs(x));
                diff = Math.Max(diff, Math.Abs(x - b[(perm[i] * width) + c]));
            }
        }

        return new InvarianceCheck(n, largest, kept, diff, scale > 0 ? diff / scale : diff);
    }
}
