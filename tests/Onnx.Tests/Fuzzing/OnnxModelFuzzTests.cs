using Pipelines.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Pipelines.Onnx.Tests.Fuzzing;

/// <summary>Issue 19 fuzz suite, kind "onnx model" (<see cref="FuzzKinds"/>): seeded byte flips and truncations of a small model through load, validation and the weight summary; every outcome is success or a typed PipelinesException.</summary>
public sealed class OnnxModelFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedInputs_SucceedOrFailTyped() => output.WriteLine(FuzzSuite.Check("onnx model"));
}
