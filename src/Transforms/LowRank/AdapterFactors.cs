using Pipelines.Numerics.LinearAlgebra;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// The factors of one adapter in ONNX layout: the adapted op computes <c>x·W_res + s·(x·A)·B</c> with A in×r and B r×out.
/// In nn.Linear terms (peft's <c>lora_A.weight</c> r×in, <c>lora_B.weight</c> out×r) these are Aᵀ and Bᵀ.
/// </summary>
/// <param name="Target">The target.</param>
/// <param name="A">A, in×r (trainable).</param>
/// <param name="B">B, r×out (trainable).</param>
/// <param name="Method">The method that produced them.</param>
public sealed record AdapterFactors(LowRankTarget Target, Matrix A, Matrix B, LowRankMethod Method)
{
    /// <summary>
    /// DoRA's magnitude vector m (length out, trainable), or <see langword="null"/> for a plain LoRA adapter. The adapted
    /// op then computes <c>(m / ‖V‖_c) ⊙ (x·V)</c> with <c>V = W_res + s·A·B</c> and ‖V‖_c its column norms; m starts at
    /// ‖V‖_c of the initial factors, so the output is unchanged at initialisation.
    /// </summary>
    public float[]? Magnitude { get; init; }

    /// <summary>s = α/r.</summary>
    public float Scale => Target.Scale;

    /// <summary>Rank r.</summary>
    public int Rank => A.Cols;

    /// <summary>ΔW = s·A·B (in×out).</summary>
    public Matrix Delta()
    {
        var d = new Matrix(A.Rows, B.Cols);
        Gemm.Multiply(A.Data, false, B.Data, false, d.Data, A.Rows, B.Cols, A.Cols, alpha: Scale);
        return d;
    }

    /// <summary>‖s·A·B‖_F from the r×r Gram matrices: s²·Σ (AᵀA) ∘ (B·Bᵀ), accumulated in double.</summary>
    public double DeltaNorm()
    {
        Matrix ata = MatrixOps.Multiply(A, A, transposeA: true);
        Matrix bbt = MatrixOps.Multiply(B, B, transposeB: true);
        double sum = 0;
        for (int i = 0; i < ata.Data.Length; i++)
        {
            sum += (double)ata.Data[i] * bbt.Data[i];
        }

        return Math.Abs(Scale) * Math.Sqrt(Math.Max(0, sum));
    }
}
