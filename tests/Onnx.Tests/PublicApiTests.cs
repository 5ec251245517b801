using Pipelines.Testing;
using Xunit;

namespace Pipelines.Onnx.Tests;

public sealed class PublicApiTests
{
    /// <summary>
    /// The public surface of Pipelines.Onnx equals PublicApi/Pipelines.Onnx.txt; after an intended change run
    /// <c>UPDATE_PUBLIC_API=1 dotnet test tests/Onnx.Tests/Onnx.Tests.csproj -c Release --filter PublicApi</c> and commit the file.
    /// </summary>
    [Fact]
    public void PublicApi_MatchesTheCheckedInSnapshot() => PublicApiSnapshot.Verify(typeof(Pipelines.Onnx.OnnxModel).Assembly);
}
