using Pipelines.Export.Quantization;

namespace Pipelines.Export.QPissa;

/// <summary>Options of <see cref="QPissaInitializer"/> (QPiSSA, PiSSA paper Alg. 1; with T = 1 it is PiSSA-then-quantize).</summary>
public sealed record QPissaOptions
{
    /// <summary>Adapter rank r.</summary>
    public int Rank { get; init; } = 64;

    /// <summary>Alternations T of SVD_r and quantization.</summary>
    public int Iterations { get; init; } = 5;

    /// <summary>The adapter scale s = α/r (1 for α = r, as the paper runs).</summary>
    public float Scale { get; init; } = 1f;

    /// <summary>The quantizer in the loop: the one the exported artifact uses for the residual weights.</summary>
    public QuantizationOptions Quantization { get; init; } = new() { Format = ExportFormat.Int4, BlockSize = 32 };

    /// <summary>Initializers to adapt; null adapts every 2-D MatMul weight inside the transformer layers.</summary>
    public IReadOnlySet<string>? Weights { get; init; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (Rank < 1)
        {
            throw new ArgumentException($"Rank {Rank} must be at least 1.", nameof(Rank));
        }

        if (Iterations < 1)
        {
            throw new ArgumentException($"Iterations {Iterations} must be at least 1.", nameof(Iterations));
        }

        if (!(Scale > 0))
        {
            throw new ArgumentException($"Scale {Scale} must be positive.", nameof(Scale));
        }

        Quantization.Validate();
    }
}
