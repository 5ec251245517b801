using Pipelines.Export.Quantization;
using Pipelines.Onnx;

namespace Pipelines.Export.Tests.Quantization;

/// <summary>What the quantizers emit passes the project's own validator (known ops at the imported opset, one import per domain).</summary>
public class QuantizedModelValidationTests
{
    [Theory]
    [InlineData(ExportFormat.Int8Dynamic)]
    [InlineData(ExportFormat.Int4)]
    [InlineData(ExportFormat.Int4Qdq)]
    public void Quantized_MatMulAndGather_Validate(ExportFormat format)
    {
        var options = new QuantizationOptions { Format = format };
        OnnxModel matmul = new ModelQuantizer().Quantize(QuantTestModels.MatMul(QuantTestModels.Random(1, 64 * 8), 64, 8), options).Model;
        OnnxModel gather = new ModelQuantizer().Quantize(QuantTestModels.Gather(QuantTestModels.Random(2, 20 * 64), 20, 64), options).Model;

        OnnxModelValidator.Validate(matmul, $"matmul-{format}");
        OnnxModelValidator.Validate(gather, $"gather-{format}");
    }
}
