using System.Text.Json.Serialization;
using Pipelines.Numerics.Graphs;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Transforms.Graphs;

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

    /// <summary>Width of the per-node encoding fed to the backbone (0 for none).</summary>
    [JsonIgnore]
    public abstract int Width { get; }

    /// <summary>Short name for logs and the CLI (<c>none</c>, <c>lap</c>, <c>rwse</c>, <c>spe</c>).</summary>
    [JsonIgnore]
    public abstract string Name { get; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for invalid settings.</summary>
    public abstract void Validate();
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
public sealed record LapPeEncoding(int K = 16, SpectrumOptions? Spectrum = null) : GraphEncoding
{
    /// <summary>The spectrum options actually used (K applied).</summary>
    [JsonIgnore]
    public SpectrumOptions SpectrumOptions => (Spectrum ?? new SpectrumOptions()) with { K = K };

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
public sealed record RwseEncoding(int Steps = 16) : GraphEncoding
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
public sealed record SpeEncoding(int K = 16, SpeOptions? Options = null, SpectrumOptions? Spectrum = null) : GraphEncoding
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
