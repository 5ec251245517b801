using Pipelines.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Pipelines.Trainers.Tests.Fuzzing;

/// <summary>Issue 19 fuzz suite, kind "sentence file" (<see cref="FuzzKinds"/>): seeded mutations; every outcome is success or a typed PipelinesException.</summary>
public sealed class SentenceFileFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedInputs_SucceedOrFailTyped() => output.WriteLine(FuzzSuite.Check("sentence file"));
}
