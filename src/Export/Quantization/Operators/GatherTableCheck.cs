namespace Pipelines.Export.Quantization.Operators;

/// <summary>The precondition of the embedding quantizers: Gather along axis 0 of a 2-D float initializer.</summary>
internal static class GatherTableCheck
{
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

        return blockSize > 0 && table!.Dims[1] % blockSize != 0
            ? $"row length {table.Dims[1]} is not a multiple of the block size {blockSize}"
            : null;
    }
}
