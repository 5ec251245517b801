namespace Pipelines.Numerics.LinearAlgebra;

/// <summary>
/// A (possibly truncated) singular value decomposition <c>A ≈ U·diag(S)·Vᵀ</c> of an m×n matrix, singular values in
/// descending order, signs fixed so the largest-magnitude entry of each column of U is positive.
/// </summary>
/// <param name="U">Left singular vectors, m×k.</param>
/// <param name="S">Singular values σ₁ ≥ … ≥ σ_k ≥ 0.</param>
/// <param name="Vt">Right singular vectors as rows, k×n.</param>
public sealed record SvdResult(Matrix U, float[] S, Matrix Vt)
{
    /// <summary>Number of triplets k.</summary>
    public int Rank => S.Length;

    /// <summary>U·diag(S)·Vᵀ as a new m×n matrix.</summary>
    public Matrix Reconstruct()
    {
        Matrix us = U.Clone();
        for (int i = 0; i < us.Rows; i++)
        {
            Span<float> row = us.Row(i);
            for (int j = 0; j < S.Length; j++)
            {
                row[j] *= S[j];
            }
        }

        return MatrixOps.Multiply(us, Vt);
    }

    /// <summary>The triplets <paramref name="start"/>..<paramref name="start"/>+<paramref name="count"/> as their own result.</summary>
    public SvdResult Slice(int start, int count) =>
        new(U.Columns(start, count), S.AsSpan(start, count).ToArray(), Vt.RowRange(start, count));

    /// <summary>Makes the largest-magnitude entry of each column of U positive, flipping the matching row of Vᵀ (deterministic signs).</summary>
    public void FixSigns()
    {
        for (int j = 0; j < S.Length; j++)
        {
            int best = 0;
            float bestAbs = -1f;
            for (int i = 0; i < U.Rows; i++)
            {
                float v = Math.Abs(U[i, j]);
                if (v > bestAbs)
                {
                    bestAbs = v;
                    best = i;
                }
            }

            if (U[best, j] < 0f)
            {
                for (int i = 0; i < U.Rows; i++)
                {
                    U[i, j] = -U[i, j];
                }

                Span<float> row = Vt.Row(j);
                for (int i = 0; i < row.Length; i++)
                {
                    row[i] = -row[i];
                }
            }
        }
    }
}
