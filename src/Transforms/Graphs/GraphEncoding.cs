using System.Text.Json.Serialization;
using Pipelines.Numerics.Graphs;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Transforms.Graphs;

/// <summary>The kinds of <see cref="GraphEncoding"/>, as named on the command line.</summary>
public enum GraphEncodingKind
{
    /// <summary>No encoding (<see cref="NoEncoding"/>).</summary>
    None,

    /// <summary>LapPE (<see cref="LapPeEncoding"/>).</summary>
    Lap,

    /// <summary>RWSE (<see cref="RwseEncoding"/>).</summary>
    Rwse,

    /// <summary>SPE (<see cref="SpeEncoding"/> with <see cref="SpeOptions.Compact"/>).</summary>
    Spe,
}

/// <summary>
/// The positional/structural encoding fed to a graph model, as one typed option: <see cref="NoEncoding"/>,
/// <see cref="LapPeEncoding"/>, <see cref="RwseEncoding"/> or <see cref="SpeEncoding"/>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(NoEncoding), "none")]
[JsonDerivedType(typeof(LapPeEncoding), "lap")]
[JsonDerivedType(typeof(RwseEncoding), "rwse")]
[JsonDerivedType(typeof(SpeEncoding), "spe")]
public abstract record GraphEncoding
{
    private protected GraphEncoding()
    {
    }

    /// <summary>Default values (also those of <c>pipelines graph train</c> and <c>graph encode</c>).</summary>
    public static class Defaults
    {
        /// <summary>Eigenpairs (LapPE, SPE) or random-walk steps (RWSE).</summary>
        public const int K = 16;

        /// <summary>The encoding trained with a model.</summary>
        public const GraphEncodingKind Trained = GraphEncodingKind.Spe;

        /// <summary>The encoding written without a trained model.</summary>
        public const GraphEncodingKind Precomputed = GraphEncodingKind.Lap;
    }

    /// <summary>Width of the per-node encoding fed to the backbone (0 for none).</summary>
    [JsonIgnore]
    public abstract int Width { get; }

    /// <summary>Short name for logs and the CLI (<c>none</c>, <c>lap</c>, <c>rwse</c>, <c>spe</c>).</summary>
    [JsonIgnore]
    public abstract string Name { get; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for invalid settings.</summary>
    public abstract void Validate();

    /// <summary>
    /// The encoding of <paramref name="kind"/> with <paramref name="k"/> eigenpairs (LapPE, SPE) or steps (RWSE); SPE
    /// uses <see cref="SpeOptions.Compact"/> with output width <paramref name="k"/>.
    /// </summary>
    /// <param name="kind">The kind.</param>
    /// <param name="k">Eigenpairs or random-walk steps.</param>
    /// <param name="seed">Seed of SPE's φ/ρ initialisation (unused by the other kinds).</param>
    /// <returns>The encoding.</returns>
    public static GraphEncoding Create(GraphEncodingKind kind, int k, int seed) => Create(kind, k, seed, SpectrumOptions.Defaults.Truncation);

    /// <summary>
    /// As <see cref="Create(GraphEncodingKind, int, int)"/>, with the spectrum truncation of LapPE and SPE
    /// (<see cref="SpectrumTruncation.Fixed"/> reproduces the SPE reference's <c>d = min(n, k)</c>).
    /// </summary>
    /// <param name="kind">The kind.</param>
    /// <param name="k">Eigenpairs or random-walk steps.</param>
    /// <param name="seed">Seed of SPE's φ/ρ initialisation (unused by the other kinds).</param>
    /// <param name="truncation">How many eigenpairs LapPE and SPE keep.</param>
    /// <returns>The encoding.</returns>
    public static GraphEncoding Create(GraphEncodingKind kind, int k, int seed, SpectrumTruncation truncation)
    {
        SpectrumOptions? spectrum = truncation == SpectrumOptions.Defaults.Truncation ? null : new SpectrumOptions(K: k, Truncation: truncation);
        return kind switch
        {
            GraphEncodingKind.None => new NoEncoding(),
            GraphEncodingKind.Lap => new LapPeEncoding(k, spectrum),
            GraphEncodingKind.Rwse => new RwseEncoding(k),
            GraphEncodingKind.Spe => new SpeEncoding(k, SpeOptions.Compact(k, seed), spectrum),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown encoding kind."),
        };
    }
}

/// <summary>No positional encoding (the backbone alone).</summary>
public sealed record NoEncoding : GraphEncoding
{
    /// <inheritdoc />
    [JsonIgnore]
    public override int Width => 0;

    /// <inheritdoc />
    [JsonIgnore]
    public override string Name => "none";

    /// <inheritdoc />
    public override void Validate()
    {
    }
}

/// <summary>LapPE: the first <paramref name="K"/> Laplacian eigenvectors (trivial included), canonical sign, zero-padded.</summary>
/// <param name="K">Number of eigenvectors.</param>
/// <param name="Spectrum">Spectrum options (solver, truncation).</param>
public sealed record LapPeEncoding(int K = GraphEncoding.Defaults.K, SpectrumOptions? Spectrum = null) : GraphEncoding
{
    /// <summary>
    /// The spectrum options actually used (K applied). LapPE's width is fixed at K, so
    /// <see cref="SpectrumTruncation.Full"/> means <see cref="SpectrumTruncation.Eigengap"/> at K here.
    /// </summary>
    [JsonIgnore]
    public SpectrumOptions SpectrumOptions => Spectrum is { Truncation: SpectrumTruncation.Full } or null
        ? (Spectrum ?? new SpectrumOptions()) with { K = K, Truncation = SpectrumTruncation.Eigengap }
        : Spectrum with { K = K };

    /// <inheritdoc />
    [JsonIgnore]
    public override int Width => K;

    /// <inheritdoc />
    [JsonIgnore]
    public override string Name => "lap";

    /// <inheritdoc />
    public override void Validate() => SpectrumOptions.Validate();
}

/// <summary>RWSE: random-walk return probabilities for <paramref name="Steps"/> steps.</summary>
/// <param name="Steps">Number of steps k.</param>
public sealed record RwseEncoding(int Steps = GraphEncoding.Defaults.K) : GraphEncoding
{
    /// <inheritdoc />
    [JsonIgnore]
    public override int Width => Steps;

    /// <inheritdoc />
    [JsonIgnore]
    public override string Name => "rwse";

    /// <inheritdoc />
    public override void Validate() => ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 1, nameof(Steps));
}

/// <summary>SPE over the first <paramref name="K"/> eigenpairs with learned φ and ρ.</summary>
/// <param name="K">Number of eigenpairs (zero-padded).</param>
/// <param name="Options">φ/ρ hyper-parameters.</param>
/// <param name="Spectrum">Spectrum options (solver, truncation).</param>
public sealed record SpeEncoding(int K = GraphEncoding.Defaults.K, SpeOptions? Options = null, SpectrumOptions? Spectrum = null) : GraphEncoding
{
    /// <summary>The SPE options actually used.</summary>
    [JsonIgnore]
    public SpeOptions SpeOptions => Options ?? new SpeOptions();

    /// <summary>The spectrum options actually used (K applied).</summary>
    [JsonIgnore]
    public SpectrumOptions SpectrumOptions => (Spectrum ?? new SpectrumOptions()) with { K = K };

    /// <inheritdoc />
    [JsonIgnore]
    public override int Width => SpeOptions.OutputSize;

    /// <inheritdoc />
    [JsonIgnore]
    public override string Name => "spe";

    /// <inheritdoc />
    public override void Validate()
    {
        SpeOptions.Validate();
        SpectrumOptions.Validate();
    }
}
