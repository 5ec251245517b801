namespace Pipelines.Numerics.Graphs;

/// <summary>
/// What eigengap truncation dropped over many graphs: how many graphs lost eigenpairs below <c>min(n, k)</c> and how
/// many pairs in all (<see cref="Spectrum.EigengapCut"/> summed), out of <see cref="Spectra"/> spectra.
/// </summary>
/// <param name="Graphs">Graphs with at least one eigenpair cut.</param>
/// <param name="Eigenpairs">Eigenpairs cut, summed over graphs.</param>
/// <param name="Spectra">Spectra looked at.</param>
public sealed record SpectrumCut(int Graphs, int Eigenpairs, int Spectra)
{
    /// <summary>Sums <see cref="Spectrum.EigengapCut"/> over <paramref name="spectra"/> (null entries are skipped).</summary>
    public static SpectrumCut Of(IEnumerable<Spectrum?> spectra)
    {
        ArgumentNullException.ThrowIfNull(spectra);
        int graphs = 0, pairs = 0, total = 0;
        foreach (Spectrum? s in spectra)
        {
            if (s is null)
            {
                continue;
            }

            total++;
            if (s.EigengapCut > 0)
            {
                graphs++;
                pairs += s.EigengapCut;
            }
        }

        return new SpectrumCut(graphs, pairs, total);
    }

    /// <summary>A one-line description for logs, e.g. <c>3 of 405 graphs cut at an eigengap (11 eigenpairs below k dropped)</c>.</summary>
    public override string ToString() =>
        $"{Graphs} of {Spectra} graphs cut at an eigengap ({Eigenpairs} eigenpairs below k dropped so no eigenspace is split)";
}
