namespace Pipelines.Export.Quantization.Operators;

/// <summary>The common precondition of the MatMul quantizers: input B is a 2-D float initializer.</summary>
internal static class MatMulWeightCheck
{
    public static string? WhyNot(QuantizationContext context, OnnxNode node, int minimumK = 1)
    {
        OnnxTensor? w = context.ConstantInput(node, 1);
        if (!WeightMatrix.IsFloatMatrix(w))
        {
            return "input B is not a 2-D float initializer";
        }

        if (w!.Dims[0] < minimumK)
        {
            return $"K = {w.Dims[0]} is below {minimumK}";
        }

        return null;
    }
}
