namespace Pipelines.Export.Quantization.Operators;

/// <summary>
/// The precondition of the embedding quantizers: Gather along axis 0 of a 2-D float initializer of at least
/// <see cref="MinimumRows"/> rows.
/// </summary>
internal static class GatherTableCheck
{
    /// <summary>
    /// Tables with fewer rows stay float (e.g. BERT's 2×384 token-type table, 3 KiB): every token adds one of their few rows, so
    /// their 4-bit error is a bias shared by all tokens (on all-MiniLM-L6-v2 the token-type table alone costs as much cosine as
    /// the 30522-row word table).
    /// </summary>
    public const int MinimumRows = 16;

    public static string? WhyNot(QuantizationContext context, OnnxNode node, int blockSize)
    {
        OnnxTensor? table = context.ConstantInput(node, 0);
        if (!WeightMatrix.IsFloatMatrix(table))
        {
            return "data is not a 2-D float initializer";
        }

        if (node.IntAttribute("axis", 0) != 0)
        {
            return "gathers along an axis other than 0";
        }

        if (table!.Dims[0] < MinimumRows)
        {
            return $"only {table.Dims[0]} rows (tables under {MinimumRows} rows stay float)";
        }

        return blockSize > 0 && table.Dims[1] % blockSize != 0
            ? $"row length {table.Dims[1]} is not a multiple of the block size {blockSize}"
            : null;
    }
}
